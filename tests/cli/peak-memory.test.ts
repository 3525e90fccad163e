// A kmc check's "peak memory" (stats.peakMemory) is the process's peak resident set size
// (src/cli/run-check.ts, withProcessPeak). The searches only sample it while they run: a peak
// between two samples, or after the search (the liveness graph joined and analysed), went
// unreported (kvm-hotplug cpus=4 on 2 workers: 331 MiB reported, 641 MiB the process's peak).

import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

const PETERSON = 'tests/fixtures/models/peterson.ts';
const MIB = 1024 * 1024;

async function kmcJson(...args: string[]): Promise<{ stats: { peakMemory: number } }> {
  const out: string[] = [];
  const io: Io = { out: (t) => void out.push(t), err: () => undefined, isTTY: false };
  await run(['node', 'kmc', ...args], io);
  return JSON.parse(out.join('\n')) as { stats: { peakMemory: number } };
}

describe('kmc check: peak memory', () => {
  it("is the process's high-water mark, not only what the search sampled", async () => {
    // Raise the high-water mark in a thread whose memory is returned when it exits, so that the
    // check's own samples are below it.
    await new Promise((resolve, reject) => {
      const w = new Worker('new Uint8Array(256 * 1024 * 1024).fill(1);', { eval: true });
      w.on('exit', resolve);
      w.on('error', reject);
    });
    const before = process.resourceUsage().maxRSS * 1024;
    // The test means something only if the process is well below its mark now.
    expect(process.memoryUsage.rss()).toBeLessThan(before - 128 * MIB);
    const r = await kmcJson('check', PETERSON, '--json', '--quiet', '--workers', '1');
    const after = process.resourceUsage().maxRSS * 1024;
    expect(r.stats.peakMemory).toBeGreaterThanOrEqual(before);
    expect(r.stats.peakMemory).toBeLessThanOrEqual(after);
  });
});
