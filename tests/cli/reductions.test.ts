// kmc check with state-space reductions: symmetry on by default, partial-order reduction with
// --por (the report says which ran); --no-por and --no-symmetry turn them off,
// --preemption-bound bounds the search and never says verified, --shortest. With several
// workers (the default on a multi-core machine) symmetry and the bound run in the parallel
// search; partial-order reduction runs in one worker only, and --por with --workers N > 1 is refused.
//
// The bundled models are checked for their safety properties (--property each): with reductions,
// liveness runs apart on the full, unreduced state graph (src/engine/liveness/run.ts), which is
// not what these tests are about and was most of their time (kvm-hotplug with 4 CPUs and 3
// creators unreduced, three times). The CLI's liveness under reductions: tests/cli/liveness.test.ts,
// tests/parallel/liveness.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { defaultWorkers } from '../../src/cli/run-check.js';
import type { Io } from '../../src/cli/io.js';
import { bundled } from '../../models/index.js';
import { withBuiltinLiveness } from '../../src/property/index.js';

const LOST = 'tests/fixtures/models/lost-update.ts';
/** --property for each safety property of a bundled model. */
const safety = (name: string) =>
  withBuiltinLiveness(bundled.find((e) => e.model.name === name)!.properties)
    .filter((p) => p.kind !== 'liveness')
    .flatMap((p) => ['--property', p.name]);
const XEN = safety('xen-remove-from-physmap');
const HOTPLUG = safety('kvm-hotplug');
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
  it('runs symmetry reduction by default, partial-order reduction with --por, and says so', async () => {
    const xen = ['xen-remove-from-physmap', '--variant', 'ia64-hunk-on-x86', '--param', 'hypercalls=3', '--param', 'rounds=2', ...XEN];
    const [byDefault, por] = [await kmc('check', ...xen), await kmc('check', ...xen, '--por')];
    expect([byDefault.code, por.code]).toEqual([1, 1]);
    expect(byDefault.out).toMatch(/^reductions: no partial-order, symmetry over hypercall vCPUs \(3!\)$/m);
    expect(por.out).toMatch(/^reductions: partial-order \(\d+ pass(es)?\), symmetry over hypercall vCPUs \(3!\)$/m);
  });

  it('--por with --workers above one is refused, not quietly run in one worker', async () => {
    const r = await kmc('check', 'xen-remove-from-physmap', '--variant', 'ia64-hunk-on-x86', '--por', '--workers', '2');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/partial-order reduction runs in one worker .*not 2: give --workers 1 with --por, or leave --por out/);
    const one = await kmc('check', 'xen-remove-from-physmap', '--variant', 'ia64-hunk-on-x86', '--por', '--workers', '1', ...XEN);
    expect(one.code).toBe(1);
    expect(one.out).toMatch(/; 1 worker$/m);
  });

  it('a state space smaller than the unreduced prefix partial-order reduction starts with: that prefix is the search, and it says so', async () => {
    // (enableCanFail=false keeps it under the 20,000-state prefix.)
    const r = await kmc('check', 'kvm-hotplug', '--param', 'creators=3', '--param', 'cpus=2', '--param', 'enableCanFail=false', '--por', ...HOTPLUG);
    const plain = await kmc('check', 'kvm-hotplug', '--param', 'creators=3', '--param', 'cpus=2', '--param', 'enableCanFail=false', '--no-por', ...HOTPLUG);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^reductions: no partial-order, symmetry over creators \(3!\)$/m);
    expect(r.out).toMatch(/^ {2}note: partial-order reduction: not needed \(the unreduced search it starts with covered the whole state space, 8133 states\)$/m);
    // The same search as without partial-order reduction: the same counts and shortest traces.
    const counts = (out: string) => /^[\d,]+ distinct states, [\d,]+ transitions, diameter \d+$/m.exec(out)?.[0];
    expect(counts(r.out)).toBe(counts(plain.out));
    expect(counts(r.out)).toMatch(/^8,133 distinct states/);
    expect(r.out).not.toContain('not known to be a shortest trace');
  });

  it('--no-por --no-symmetry: the plain search, same verdict', async () => {
    const [a, b] = [await kmc('check', 'kvm-hotplug', '--no-por', '--no-symmetry', '--workers', '1', ...HOTPLUG), await kmc('check', 'kvm-hotplug', ...HOTPLUG)];
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
    const s = await kmc('check', LOST, '--por', '--shortest');
    const len = (o: string) => /violated after (\d+) steps/.exec(o)?.[1];
    expect(len(s.out)).toBe(len(plain.out));
    expect(s.out).not.toMatch(/not known to be a shortest trace/);
  });

  it('refuses a bad bound in one line', async () => {
    const r = await kmc('check', LOST, '--preemption-bound', 'x');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  });

  // Big enough that the parallel search has work to share.
  const KVM = ['kvm-hotplug', '--variant', 'v2.6.37', '--param', 'cpus=3', '--param', 'creators=3', '--param', 'suspend=false', ...HOTPLUG];

  it('kvm-hotplug with 2 workers: the parallel search with symmetry from the start, the same states as one worker', async () => {
    const [two, one] = [await kmc('check', ...KVM, '--workers', '2'), await kmc('check', ...KVM, '--workers', '1')];
    expect(two.code).toBe(1);
    expect(two.out).toMatch(/^reductions: no partial-order, symmetry over creators \(3!\) × CPUs 0, 1 \(2!\)$/m);
    expect(two.out).not.toMatch(/note: partial-order/);
    expect(two.out).toMatch(/; 2 workers$/m);
    expect(one.out).toMatch(/; 1 worker$/m);
    const states = (o: string) => /^([\d,]+) distinct states/m.exec(o)?.[1];
    expect(states(two.out)).toBeDefined();
    expect(states(two.out)).toBe(states(one.out));
    expect(two.out.split('\n')[0]).toBe(one.out.split('\n')[0]);
  });

  it('kvm-hotplug with default options: one worker per core, symmetry', async () => {
    const r = await kmc('check', ...KVM);
    const n = defaultWorkers();
    expect(r.out).toMatch(/^reductions: no partial-order, symmetry over creators \(3!\) × CPUs 0, 1 \(2!\)$/m);
    expect(r.out).toMatch(new RegExp(`; ${n} workers?$`, 'm'));
  });

  it('--no-por with 2 workers: symmetry and the bound in the parallel search', async () => {
    const r = await kmc('check', 'kvm-hotplug', '--no-por', '--preemption-bound', '1', '--workers', '2', ...HOTPLUG);
    expect(r.out).toMatch(/^reductions: no partial-order, symmetry over creators \(2!\), at most 1 preemption$/m);
    expect(r.out).toMatch(/; 2 workers$/m);
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toMatch(/search stopped early by the --preemption-bound/);
  });
});
