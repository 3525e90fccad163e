// kmc simulate end to end: a violation found by random search is shrunk, written as a trace
// file like a check's, and that file replays (re-executed and checked state by state).

import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

function capture(): Io & { text: () => string } {
  let out = '';
  return { out: (t) => void (out += t + '\n'), err: (t) => void (out += t + '\n'), isTTY: false, text: () => out };
}

describe('kmc simulate', () => {
  it('finds the leaked gfn lock, writes a trace file, and the file replays to the same violation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmc-sim-'));
    const io = capture();
    const code = await run(['node', 'kmc', 'simulate', 'xen-remove-from-physmap', '--variant', 'ia64-hunk-on-x86', '--runs', '500', '--seed', '1', '--trace-dir', dir], io);
    expect(code).toBe(1);
    expect(io.text()).toMatch(/VIOLATED xen-remove-from-physmap --variant ia64-hunk-on-x86: \S+, found by random search in run \d+ \(seed 1\)/);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const replay = capture();
    const rc = await run(['node', 'kmc', 'replay', join(dir, files[0]!)], replay);
    expect(rc).toBe(1); // the property breaks along the replay, as recorded
    expect(replay.text()).toContain('(every recorded step and state matches the model)');
    expect(replay.text()).toMatch(/^REPLAY xen-remove-from-physmap --variant ia64-hunk-on-x86/m);
  });

  it('finds nothing on the reviewed code and does not call that a proof (exit 3)', async () => {
    const io = capture();
    const code = await run(['node', 'kmc', 'simulate', 'xen-remove-from-physmap', '--variant', 'reviewed', '--runs', '200', '--seed', '1', '--no-traces'], io);
    expect(code).toBe(3);
    expect(io.text()).toContain('NO VIOLATION FOUND');
    expect(io.text()).toContain('This is not a proof');
  });

  it('liveness: a lasso a run closed is a violation with its loop (and its trace file replays); otherwise the output says liveness was checked only on lassos', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmc-simulate-live-'));
    const SPINNER = 'tests/fixtures/models/spinner.ts';
    const io = capture();
    const code = await run(['node', 'kmc', 'simulate', SPINNER, '--variant', 'buggy', '--runs', '50', '--seed', '7', '--depth', '20', '--property', 'livelock', '--trace-dir', dir], io);
    expect(code).toBe(1);
    expect(io.text()).toMatch(/^VIOLATED spinner --variant buggy: livelock, found by random search/);
    expect(io.text()).toMatch(/Lasso: steps 1\.\.\d+ lead to the loop/);
    const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.simulate.itf.json'))!);
    const replayed = capture();
    expect(await run(['node', 'kmc', 'replay', file, '--model', SPINNER], replayed)).toBe(1);
    expect(replayed.text()).toMatch(/livelock \(liveness\) violated/);
    const fixed = capture();
    expect(await run(['node', 'kmc', 'simulate', SPINNER, '--variant', 'fixed', '--runs', '30', '--seed', '7', '--depth', '20', '--no-traces'], fixed)).toBe(3);
    expect(fixed.text()).toContain('Properties checked: deadlock\n');
    expect(fixed.text()).toContain('Liveness (livelock, waiter-leaves): checked only on the lassos the runs closed (30 of 30 runs came back to a state or stopped); a random run proves no liveness property');
  });

  it('rejects a malformed seed with one line (exit 2)', async () => {
    const io = capture();
    expect(await run(['node', 'kmc', 'simulate', 'xen-remove-from-physmap', '--seed', 'x'], io)).toBe(2);
    expect(io.text()).toContain('--seed expects an integer');
  });
});
