// The coverage report (`kmc check --coverage`): per thread, how often each step ran and which
// never did (SPIN's "unreached in proctype"), and which properties were not exercised.

import { neverFired, type StepCoverage } from '../engine/coverage.js';
import type { CheckResult } from '../engine/result.js';
import { thousands } from '../util/format.js';
import { notExercised, reducedBy } from './holds.js';

/** What the counts are of, in words. */
export function countsOf(r: CheckResult): string {
  if (r.status === 'error') return '';
  const how = reducedBy(r);
  if (!how) return 'transitions the exhaustive search executed';
  return `transitions the reduced search executed (${how}${r.reductions?.por ? ', its last pass' : ''}): fewer than without reductions${r.reductions?.symmetry.length ? '; a step an interchangeable thread ran counts for its siblings when deciding what never ran' : ''}`;
}

/** The steps of a result that never ran (folded over symmetric threads when symmetry reduced the search). */
export function unreached(r: CheckResult): StepCoverage[] {
  if (r.status === 'error' || !r.coverage) return [];
  return neverFired(r.coverage, r.reductions?.symmetry.map((g) => g.name) ?? []);
}

export function renderCoverage(r: CheckResult): string {
  if (r.status === 'error') return '';
  if (!r.coverage) return 'Coverage: not recorded by this search.';
  const never = new Set(unreached(r));
  const out = [`Coverage (${countsOf(r)}):`];
  const threads = [...new Set(r.coverage.steps.map((s) => s.thread))];
  for (const t of threads) {
    const steps = r.coverage.steps.filter((s) => s.thread === t);
    const ran = steps.filter((s) => !never.has(s)).length;
    out.push(`  ${t}: ${ran} of ${steps.length} steps ran${ran < steps.length ? `; unreached: ${steps.length - ran}` : ''}`);
    const width = Math.max(...steps.map((s) => thousands(s.fired).length));
    for (const s of steps) out.push(`    ${thousands(s.fired).padStart(width)}  ${s.label}${never.has(s) ? '   <- never ran' : ''}`);
  }
  const vacuous = notExercised(r);
  out.push(vacuous.length ? 'Properties not exercised (they hold only vacuously):' : 'Every property that holds was exercised.');
  for (const p of vacuous) out.push(`  ${p.name}: ${p.notExercised}`);
  return out.join('\n');
}
