// One pool per worker count for a test file: started before its tests, closed after them.
// Every level of their checks is expanded by all workers (soloBelow 0), however small: these
// tests are of the multi-worker paths on small models; tests/parallel/solo.test.ts is of the
// levels one worker expands alone.

import { afterAll, beforeAll } from 'vitest';
import { ParallelChecker } from '../../src/parallel/index.js';

export function checkersFor(counts: readonly number[], defaults: { soloBelow?: number } = { soloBelow: 0 }): Map<number, ParallelChecker> {
  const checkers = new Map<number, ParallelChecker>();
  beforeAll(() => {
    for (const w of counts) checkers.set(w, new ParallelChecker(w, defaults));
  });
  afterAll(async () => {
    await Promise.all([...checkers.values()].map((c) => c.close()));
  });
  return checkers;
}
