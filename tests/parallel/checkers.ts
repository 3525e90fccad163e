// One pool per worker count for a test file: started before its tests, closed after them.

import { afterAll, beforeAll } from 'vitest';
import { ParallelChecker } from '../../src/parallel/index.js';

export function checkersFor(counts: readonly number[]): Map<number, ParallelChecker> {
  const checkers = new Map<number, ParallelChecker>();
  beforeAll(() => {
    for (const w of counts) checkers.set(w, new ParallelChecker(w));
  });
  afterAll(async () => {
    await Promise.all([...checkers.values()].map((c) => c.close()));
  });
  return checkers;
}
