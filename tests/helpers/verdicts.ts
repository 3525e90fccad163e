// What model tests pin: per property, 'holds' or the length of its shortest counterexample.
// A search that gives no verdict (an error, or a property left unknown) fails the test.

import type { CheckResult } from '../../src/engine/result.js';

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
