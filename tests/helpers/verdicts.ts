// What model tests pin: per property, 'holds' or the length of its shortest counterexample.
// A search that gives no verdict (an error, or a property left unknown) fails the test.
// expectPinned runs one pinned case of a model test.

import { expect } from 'vitest';
import { check } from '../../src/engine/index.js';
import type { CheckResult } from '../../src/engine/result.js';
import { compileModel } from '../../src/model/compile.js';
import type { ModelDef, ParamValues } from '../../src/model/types.js';
import type { Property, PropertySet } from '../../src/property/types.js';
import { expectTraceFixtures } from './trace-fixture.js';

export type Verdict = 'holds' | number;

export function verdicts(r: CheckResult): Record<string, Verdict> {
  if (r.status === 'error') throw new Error(r.message);
  const out: Record<string, Verdict> = {};
  for (const p of r.properties) {
    if (p.status === 'unknown') throw new Error(`${p.name}: no verdict (the search was incomplete)`);
    out[p.name] = p.status === 'holds' ? 'holds' : p.violation.path.length;
  }
  return out;
}

/** The properties that hold only vacuously ('holds, not exercised'), in property order. */
export function notExercised(r: CheckResult): string[] {
  if (r.status === 'error') throw new Error(r.message);
  return r.properties.filter((p) => p.status === 'holds' && p.notExercised !== undefined).map((p) => p.name);
}

/** What a pinned case expects: the distinct-state count and the violated properties' shortest lengths. */
export interface Pinned {
  states: number;
  verdicts: Partial<Record<string, number>>;
}

/**
 * Check one variant at one size and pin it: verified exactly when nothing is violated, a
 * complete search, the distinct-state count, every property's verdict (`allHold` for the rest)
 * and, unless `fixtures` is false, every shortest trace against its fixture.
 */
export function expectPinned(
  def: ModelDef,
  properties: PropertySet | readonly Property[],
  variant: string,
  params: ParamValues,
  want: Pinned,
  allHold: Record<string, Verdict>,
  suffix: string,
  fixtures = true,
): CheckResult {
  const r = check(def, properties, { variant, params });
  if (r.status === 'error') throw new Error(r.message);
  expect(r.status).toBe(Object.keys(want.verdicts).length === 0 ? 'verified' : 'violated');
  if (r.status === 'violated') expect(r.complete).toBe(true);
  expect(r.stats.states).toBe(want.states);
  // The built-in livelock property (on wherever deadlock is) must hold too, unless pinned.
  const builtin = Object.fromEntries(r.properties.filter((p) => p.kind === 'liveness' && !(p.name in allHold)).map((p) => [p.name, 'holds' as const]));
  expect(verdicts(r)).toEqual({ ...allHold, ...builtin, ...want.verdicts });
  if (fixtures) expectTraceFixtures(compileModel(def, { variant, params }), r, suffix);
  return r;
}
