// kmc check --memory / --store-buffer on a model file with shared memory, and on one without.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKmc } from '../helpers/kmc-cli.js';

const FILE = 'tests/fixtures/models/lost-wakeup.ts';
const traceDir = mkdtempSync(join(tmpdir(), 'kmc-memory-'));
afterAll(() => rmSync(traceDir, { recursive: true, force: true }));

/** `kmc ...args` in this process, stdout and stderr together. */
async function kmc(...args: string[]): Promise<{ code: number; out: string }> {
  const r = await runKmc(...args, '--trace-dir', traceDir, '--quiet');
  return { code: r.code, out: [r.out, r.err].filter(Boolean).join('\n') };
}

describe('kmc check --memory', () => {
  it('the lost wakeup: holds under sc (the model\'s default), violated under tso; the run names its memory model', async () => {
    const sc = await kmc('check', FILE, '--variant', '__set_current_state', '--workers', '1');
    expect(sc.code).toBe(0);
    expect(sc.out).toMatch(/^Memory model: sc \(sequentially consistent/m);
    const tso = await kmc('check', FILE, '--variant', '__set_current_state', '--memory', 'tso', '--workers', '1');
    expect(tso.code).toBe(1);
    expect(tso.out).toMatch(/^Memory model: tso \(x86-TSO.*store buffers of 2 entries/m);
    expect(tso.out).toMatch(/violated +no-lost-wakeup/);
  });

  it('set_current_state holds under tso, also on two workers, and under lkmm', async () => {
    expect((await kmc('check', FILE, '--variant', 'set_current_state', '--memory', 'tso', '--workers', '2')).code).toBe(0);
    const l = await kmc('check', FILE, '--variant', 'set_current_state', '--memory', 'lkmm', '--workers', '1');
    expect(l.code).toBe(0);
    expect(l.out).toMatch(/^Memory model: lkmm \(an operational approximation/m);
    expect((await kmc('check', FILE, '--variant', '__set_current_state', '--memory', 'lkmm', '--workers', '1')).code).toBe(1);
  });

  it('a store buffer of one entry is enough for the lost wakeup, and --store-buffer is a parameter', async () => {
    const r = await kmc('check', FILE, '--variant', '__set_current_state', '--memory', 'tso', '--store-buffer', '1', '--workers', '1');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/storeBuffer=1/);
  });

  it('refuses --memory tso for a model without shared memory, an unknown memory model, and contradictions', async () => {
    const none = await kmc('check', 'pm-freeze', '--memory', 'tso');
    expect(none.code).toBe(2);
    expect(none.out).toMatch(/declares no shared memory/);
    const bad = await kmc('check', FILE, '--memory', 'pso');
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/--memory expects sc, tso or lkmm/);
    const both = await kmc('check', FILE, '--memory', 'tso', '--param', 'memory=0');
    expect(both.code).toBe(2);
  });

  it('--por runs under --memory tso: the lost wakeup is violated with it as without it, set_current_state holds', async () => {
    const bad = await kmc('check', FILE, '--variant', '__set_current_state', '--memory', 'tso', '--por');
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/violated +no-lost-wakeup/);
    expect((await kmc('check', FILE, '--variant', 'set_current_state', '--memory', 'tso', '--por')).code).toBe(0);
  });
});
