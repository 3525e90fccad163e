// kmc check --reference: the same verdict and state count as the fast path, said on stderr, in
// the sequential search and in the parallel one (each worker compiles the model so).
import { describe, expect, it } from 'vitest';
import { runKmc } from '../helpers/kmc-cli.js';

const states = (out: string) => /"states":\s*(\d+)/.exec(out)?.[1];

describe('kmc check --reference', () => {
  // One worker: the sequential search; two: the parallel one, each worker compiling the model so.
  for (const workers of ['1', '2'])
    it(`checks under immer produce with the same verdict, counts and counterexamples as the default path (--workers ${workers})`, async () => {
      // --no-livelock: with liveness, two workers would run one search of the graph in one worker
      // (src/parallel/pool.ts, checkSearchingOnce), not the parallel search.
      const args = ['check', 'xen-remove-from-physmap', '--variant', 'ia64-hunk-on-x86', '--json', '--no-traces', '--no-livelock', '--workers', workers];
      const fast = await runKmc(...args);
      const reference = await runKmc(...args, '--reference');
      expect(fast.code).toBe(1);
      expect(reference.code).toBe(fast.code);
      const [f, r] = [JSON.parse(fast.out), JSON.parse(reference.out)];
      expect([r.status, r.stats.workers]).toEqual([f.status, Number(workers)]);
      expect(states(reference.out)).toBe(states(fast.out));
      expect(r.stats.transitions).toBe(f.stats.transitions);
      expect(r.violations.map((v: { property: string; path: unknown }) => [v.property, v.path])).toEqual(f.violations.map((v: { property: string; path: unknown }) => [v.property, v.path]));
    });

  it('says so on stderr when not quiet', async () => {
    const r = await runKmc('check', 'xen-remove-from-physmap', '--reference', '--no-traces');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/--reference: every step's recipe runs under immer's produce/);
  });
});
