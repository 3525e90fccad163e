// Liveness from the command line (issue 12's "done when"): the spinner prints a lasso and exits
// 1, its fixed form verifies, the trace file carries ITF's `loop`, and kmc replay follows the
// lasso and checks that it really loops; kmc prove proves the fix of a livelock.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKmc as kmc } from '../helpers/kmc-cli.js';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

function capture(): Io & { text: () => string } {
  let out = '';
  return { out: (t) => void (out += t + '\n'), err: (t) => void (out += t + '\n'), isTTY: false, text: () => out };
}

const SPINNER = resolve('tests/fixtures/models/spinner.ts');

let dir: string;
let check: Awaited<ReturnType<typeof kmc>>;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kmc-liveness-'));
  check = await kmc('check', SPINNER, '--variant', 'buggy', '--quiet', '--trace-dir', dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kmc and liveness', () => {
  it('the spinner whose waker never sets cond: a lasso, the loop marked, exit 1', () => {
    expect(check.code).toBe(1);
    expect(check.out).toContain('VIOLATED spinner --variant buggy: livelock, waiter-leaves');
    expect(check.out).toContain('Lasso: steps 1..1 lead to the loop; steps 2..3 (marked ↻) lead back to the state after step 1 and repeat for ever');
    expect(check.out).toMatch(/\| 2↻ \| wait_for_cond: while \(!READ_ONCE\(/);
    expect(check.out).toMatch(/liveness: fair-cycle search on a graph of 4 states and 6 edges/);
  });

  it('the trace file has ITF loop; replay follows the lasso (exit 1), a path that does not loop is exit 2', async () => {
    const file = join(dir, 'spinner--buggy--livelock.itf.json');
    const itf = JSON.parse(readFileSync(file, 'utf8'));
    expect({ loop: itf.loop, replay: itf['#meta'].replay, states: itf.states.length }).toEqual({ loop: 1, replay: '1/0/0', states: 4 });
    const r = await kmc('replay', file, '--model', SPINNER);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/livelock \(liveness\) violated at step 3: livelock: after 1 step a fair cycle of 2 steps repeats for ever: cpu0\/waiter spins without progress, running only '[^']+'/);
    // The loop moved to a state it does not come back to: the file is rejected.
    const broken = join(dir, 'broken.itf.json');
    writeFileSync(broken, JSON.stringify({ ...itf, loop: 0 }));
    const b = await kmc('replay', broken, '--model', SPINNER);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/is no lasso on model spinner variant buggy: it does not loop: the state after step 3 is not the state after step 0/);
    const bare = await kmc('replay', SPINNER, '1/0/0', '--variant', 'buggy', '--loop', '1');
    expect(bare.code).toBe(1);
    expect(bare.err).toContain('the lasso loops: the state after step 3 is the state after step 1');
    const short = await kmc('replay', SPINNER, '1/0', '--variant', 'buggy', '--loop', '1');
    expect(short.code).toBe(2);
  });

  it('a trace file whose loop index is out of range is refused (exit 2); a second replay after a lasso replay works', async () => {
    const file = join(dir, 'spinner--buggy--livelock.itf.json');
    const itf = JSON.parse(readFileSync(file, 'utf8'));
    for (const loop of [4, -1, 1.5]) {
      const bad = join(dir, `loop-${loop}.itf.json`);
      writeFileSync(bad, JSON.stringify({ ...itf, loop }));
      const io = capture();
      expect(await run(['node', 'kmc', 'replay', bad, '--model', SPINNER], io), `loop ${loop}`).toBe(2);
      expect(io.text(), `loop ${loop}`).toMatch(/loop/);
    }
    // In one process: the lasso replay, then a plain path, then the lasso again.
    const first = capture();
    expect(await run(['node', 'kmc', 'replay', file, '--model', SPINNER], first)).toBe(1);
    const plain = capture();
    expect(await run(['node', 'kmc', 'replay', SPINNER, '1/0', '--variant', 'buggy'], plain)).toBe(0);
    expect(plain.text()).not.toMatch(/lasso|loop/i);
    const again = capture();
    expect(await run(['node', 'kmc', 'replay', file, '--model', SPINNER], again)).toBe(1);
    expect(again.text()).toBe(first.text());
  });

  it('the fixed spinner verifies; kmc prove proves the fix of the livelock', async () => {
    const fixed = await kmc('check', SPINNER, '--variant', 'fixed', '--quiet', '--no-traces');
    expect(fixed.code).toBe(0);
    expect(fixed.out).toMatch(/holds {4}livelock/);
    const p = await kmc('prove', SPINNER, '--from', 'buggy', '--to', 'fixed', '--quiet', '--property', 'livelock');
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/^PROVED spinner: buggy -> fixed/);
    expect(p.out).toMatch(/1\. buggy has a counterexample: yes -- livelock \(liveness\) violated at step 3/);
  });

  it('--json: the violation carries its loop index', async () => {
    const j = await kmc('check', SPINNER, '--variant', 'buggy', '--json', '--no-traces', '--property', 'livelock');
    expect(j.code).toBe(1);
    const doc = JSON.parse(j.out);
    expect(doc.violations.map((v: { property: string; loop: number; replay: string }) => [v.property, v.replay, v.loop])).toEqual([['livelock', '1/0/0', 1]]);
    expect(doc.liveness).toMatchObject({ states: 4, edges: 6 });
  });
});
