// The memory models on the parallel search (worker threads load the model themselves): the same
// verdicts and counts as one worker, and a store-buffer bound that cut behaviours is reported
// from the workers' coverage, never verified.
import { describe, expect, it } from 'vitest';
import { runKmc } from '../helpers/kmc-cli.js';

const FILE = 'tests/fixtures/models/litmus-mp.ts';

/** `kmc ...args` in this process, stdout and stderr together. */
async function kmc(...args: string[]): Promise<{ code: number; out: string }> {
  const r = await runKmc(...args, '--quiet', '--no-traces', '--json');
  return { code: r.code, out: [r.out, r.err].filter(Boolean).join('\n') };
}

describe('memory models on two workers', () => {
  it('MP: forbidden under tso, allowed under lkmm, the same counts as one worker', async () => {
    for (const [memory, code] of [['tso', 0], ['lkmm', 1]] as const) {
      const one = await kmc('check', FILE, '--memory', memory, '--workers', '1');
      const two = await kmc('check', FILE, '--memory', memory, '--workers', '2');
      expect([one.code, two.code], memory).toEqual([code, code]);
      expect(JSON.parse(two.out).stats.states).toBe(JSON.parse(one.out).stats.states);
    }
  });

  it('a cutting store-buffer bound is reported by the parallel search too (exit 3, store-buffer-bound)', async () => {
    const r = await kmc('check', FILE, '--memory', 'tso', '--store-buffer', '1', '--workers', '2');
    expect(r.code).toBe(3);
    const j = JSON.parse(r.out);
    expect([j.status, j.stoppedBy]).toEqual(['incomplete', 'store-buffer-bound']);
  });
});
