// The pool's checkSearchingOnce (what kmc check runs on two or more workers) asks check.ts's
// searchesGraphOnce once per check: under symmetry the question builds the symmetry reducer
// (Reductions) to see whether it reduces anything, which it asked two and three times before.
// The answer is counted through a spy on the module pool.ts imports it from; the checks' results
// themselves are tests/parallel/liveness.test.ts's.

import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { bundled, registry } from '../../models/index.js';
import { searchesGraphOnce } from '../../src/engine/check.js';
import { parallelBackend } from '../../src/parallel/index.js';
import { spinner, spinnerProps } from '../fixtures/liveness-textbook.js';
import { checkersFor } from './checkers.js';

vi.mock('../../src/engine/check.js', async (importOriginal) => {
  const mod = await importOriginal<typeof import('../../src/engine/check.js')>();
  return { ...mod, searchesGraphOnce: vi.fn(mod.searchesGraphOnce) };
});

const checkers = checkersFor([2]);
const SPINNER = { kind: 'file' as const, module: resolve('tests/fixtures/models/spinner.ts') };

describe('the parallel backend asks whether a check is one search of the graph once', () => {
  it('recorded by the parallel search, in one worker (--first), and the safety search in parallel (symmetry that reduces): one question each', async () => {
    const backend = parallelBackend(checkers.get(2)!);
    const asked = vi.mocked(searchesGraphOnce);
    const xen = bundled.find((e) => e.model.name === 'xen-remove-from-physmap')!;
    const cases = [
      { target: { model: spinner, properties: spinnerProps, source: SPINNER }, options: { variant: 'fixed', symmetry: true } },
      { target: { model: spinner, properties: spinnerProps, source: SPINNER }, options: { variant: 'fixed', first: true } },
      { target: { model: xen.model, properties: xen.properties, source: { kind: 'bundled' as const, registry: registry.module!, source: xen.source } }, options: { variant: 'reviewed', params: { hypercalls: 2 }, symmetry: true } },
    ];
    for (const { target, options } of cases) {
      asked.mockClear();
      const r = await backend.search(target, options);
      expect(r.status, JSON.stringify(options)).not.toBe('error');
      expect(asked, JSON.stringify(options)).toHaveBeenCalledTimes(1);
    }
  });
});
