// kmc check with state-space reductions: on by default (the report says which ran), --no-por
// and --no-symmetry turn them off, --preemption-bound bounds the search and never says
// verified, --shortest, and the parallel search refuses them instead of ignoring them.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

const LOST = 'tests/fixtures/models/lost-update.ts';
const traceDir = mkdtempSync(join(tmpdir(), 'kmc-cli-red-'));
afterAll(() => rmSync(traceDir, { recursive: true, force: true }));

async function kmc(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t), isTTY: false };
  const code = await run(['node', 'kmc', ...args, '--quiet', '--trace-dir', traceDir], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('kmc check reductions', () => {
  it('runs partial-order and symmetry reduction by default and says so', async () => {
    const r = await kmc('check', 'kvm-hotplug', '--param', 'creators=3', '--param', 'cpus=2');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^reductions: partial-order \(\d+ pass(es)?\), symmetry over creators \(3!\)$/m);
  });

  it('--no-por --no-symmetry: the plain search, same verdict', async () => {
    const [a, b] = [await kmc('check', 'kvm-hotplug', '--no-por', '--no-symmetry', '--workers', '1'), await kmc('check', 'kvm-hotplug')];
    expect(a.code).toBe(b.code);
    expect(a.out.split('\n')[0]).toBe(b.out.split('\n')[0]);
    expect(a.out).not.toMatch(/^reductions:/m);
  });

  it('--preemption-bound: no violation within 0 preemptions is not verified; 1 finds the lost update', async () => {
    const zero = await kmc('check', LOST, '--preemption-bound', '0');
    expect(zero.code).toBe(3);
    expect(zero.out.split('\n')[0]).toMatch(/^NO VIOLATION WITHIN 0 PREEMPTIONS lost-update .*NOT verified$/);
    expect(zero.out).toMatch(/at most 0 preemptions/);
    const one = await kmc('check', LOST, '--preemption-bound', '1');
    expect(one.code).toBe(1);
    expect(one.out.split('\n')[0]).toMatch(/search stopped early by the --preemption-bound/);
  });

  it('--shortest: the counterexample is a shortest one', async () => {
    const plain = await kmc('check', LOST, '--no-por', '--no-symmetry', '--workers', '1');
    const s = await kmc('check', LOST, '--shortest');
    const len = (o: string) => /violated after (\d+) steps/.exec(o)?.[1];
    expect(len(s.out)).toBe(len(plain.out));
    expect(s.out).not.toMatch(/not known to be a shortest trace/);
  });

  it('refuses reductions with several workers, and a bad bound, in one line', async () => {
    for (const args of [
      ['check', LOST, '--workers', '2'],
      ['check', LOST, '--preemption-bound', 'x'],
    ]) {
      const r = await kmc(...args);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    }
    expect((await kmc('check', LOST, '--workers', '2')).err).toMatch(/add --no-por --no-symmetry/);
    expect((await kmc('check', LOST, '--workers', '2', '--no-por', '--no-symmetry')).code).toBe(1);
  });
});
