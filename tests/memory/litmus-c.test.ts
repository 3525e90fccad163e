// The C-litmus reader (src/kernel/litmus-c.ts) and `kmc litmus`, on C-litmus tests of our own
// written in the kernel's format (the kernel's GPL files are never copied here; `npm run litmus
// -- KERNEL_TREE` runs over a real tree).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCLitmus } from '../../src/kernel/litmus-c.js';
import { check } from '../../src/engine/index.js';
import { litmusModel, litmusProperties } from '../../src/kernel/litmus.js';
import { runKmc } from '../helpers/kmc-cli.js';

const MP_WMB_RMB = `C MP+wmb+rmb-ours

(*
 * Result: Never
 *
 * Our message-passing test: the writer orders its stores, the reader its loads.
 *)

{
\tint a;
\tint b = 0;
}

P0(int *a, int *b) // writer
{
\tWRITE_ONCE(*a, 1);
\tsmp_wmb();
\tWRITE_ONCE(*b, 1);
}

P1(int *a, int *b)
{
\tint r0;
\tint r1;

\tr0 = READ_ONCE(*b);
\tsmp_rmb();
\tr1 = READ_ONCE(*a);
}

exists (1:r0=1 /\\ 1:r1=0)
`;

const SB = `C SB-ours
(* Result: Sometimes *)
{}
P0(int *a, int *b) { int r0; WRITE_ONCE(*a, 1); r0 = READ_ONCE(*b); }
P1(int *a, int *b) { int r0; WRITE_ONCE(*b, 1); r0 = READ_ONCE(*a); }
locations [a; b]
exists (0:r0=0 /\\ 1:r0=0)
`;

const LOCKS = `C MP+locks-ours
(* Result: Never *)
{ spinlock_t l; }
P0(int *a, int *b, spinlock_t *l) { WRITE_ONCE(*a, 1); spin_lock(l); WRITE_ONCE(*b, 1); spin_unlock(l); }
P1(int *a, int *b, spinlock_t *l) { int r0; int r1; spin_lock(l); r0 = READ_ONCE(*b); spin_unlock(l); r1 = READ_ONCE(*a); }
exists (1:r0=1 /\\ 1:r1=0)
`;

const LB = `C LB-ours
(* Result: Sometimes *)
{}
P0(int *a, int *b) { int r0; r0 = READ_ONCE(*a); WRITE_ONCE(*b, 1); }
P1(int *a, int *b) { int r0; r0 = READ_ONCE(*b); WRITE_ONCE(*a, 1); }
exists (0:r0=1 /\\ 1:r0=1)
`;

const CTRL = `C LB+ctrl-ours
(* Result: Never *)
{}
P0(int *a, int *b) { int r0; r0 = READ_ONCE(*a); if (r0) WRITE_ONCE(*b, 1); }
P1(int *a, int *b) { int r0; r0 = READ_ONCE(*b); smp_mb(); WRITE_ONCE(*a, 1); }
exists (0:r0=1 /\\ 1:r0=1)
`;

const RCU = `C RCU-ours
(* Result: Never *)
{}
P0(int *a) { rcu_read_lock(); WRITE_ONCE(*a, 1); rcu_read_unlock(); }
exists (a=2)
`;

const LIAR = SB.replace('Sometimes', 'Never').replace('SB-ours', 'SB-wrong-header');

const dir = mkdtempSync(join(tmpdir(), 'kmc-litmus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `kmc ...args` in this process, stdout and stderr together. */
async function kmc(...args: string[]): Promise<{ code: number; out: string }> {
  const r = await runKmc(...args);
  return { code: r.code, out: [r.out, r.err].filter(Boolean).join('\n') };
}

describe('the C-litmus reader', () => {
  it('reads processes, initial values, barriers, the exists clause and the header\'s result', () => {
    const p = parseCLitmus(MP_WMB_RMB);
    expect(p.ok && p.result).toBe('Never');
    if (!p.ok) return;
    expect(p.name).toBe('MP+wmb+rmb-ours');
    expect(p.test.vars).toEqual({ a: 0, b: 0 });
    expect(p.test.threads).toEqual([
      [{ op: 'store', x: 'a', v: 1 }, { op: 'fence', kind: 'wmb' }, { op: 'store', x: 'b', v: 1 }],
      [{ op: 'load', x: 'b', r: 'r0' }, { op: 'fence', kind: 'rmb' }, { op: 'load', x: 'a', r: 'r1' }],
    ]);
    expect(p.test.exists).toEqual({ and: [{ reg: [1, 'r0'], eq: 1 }, { reg: [1, 'r1'], eq: 0 }] });
  });

  it('tells a comment from a dereference: (*x is C, (* … *) a comment', () => {
    const p = parseCLitmus(SB.replace('locations [a; b]', 'locations [a; b] (* print these too *)'));
    expect(p.ok && p.test.threads[0]).toEqual([{ op: 'store', x: 'a', v: 1 }, { op: 'load', x: 'b', r: 'r0' }]);
  });

  it('reads connectives and memory atoms', () => {
    const p = parseCLitmus(SB.replace('exists (0:r0=0 /\\ 1:r0=0)', 'exists (~(0:r0=1) /\\ (1:r0=0 \\/ a=2))'));
    expect(p.ok && p.test.exists).toEqual({ and: [{ not: { reg: [0, 'r0'], eq: 1 } }, { or: [{ reg: [1, 'r0'], eq: 0 }, { mem: 'a', eq: 2 }] }] });
  });

  it('reads control dependencies (one statement under if), atomic_t accessors and ATOMIC_INIT', () => {
    const p = parseCLitmus(CTRL);
    expect(p.ok && p.test.threads[0]).toEqual([{ op: 'load', x: 'a', r: 'r0' }, { op: 'store', x: 'b', v: 1, when: { r: 'r0', ne: 0 } }]);
    const q = parseCLitmus(`C atomics-ours
(* Result: Never *)
{ atomic_t v = ATOMIC_INIT(3); }
P0(atomic_t *v) { int r0; int r1; int r2; r0 = atomic_inc_return(v); r1 = atomic_read(v); if (!r1) atomic_set(v, 5); if (r0 == 4) r2 = atomic_sub_return_relaxed(2, v); if (r1 != 4) smp_mb(); }
exists (0:r2=2 /\\ v=2)
`);
    expect(q.ok).toBe(true);
    if (!q.ok) return;
    expect(q.test.vars).toEqual({ v: 3 });
    expect(q.test.threads[0]).toEqual([
      { op: 'add', x: 'v', v: 1, r: 'r0', ret: 'new' },
      { op: 'load', x: 'v', r: 'r1' },
      { op: 'store', x: 'v', v: 5, when: { r: 'r1', eq: 0 } },
      { op: 'add', x: 'v', v: -2, r: 'r2', ret: 'new', order: 'relaxed', when: { r: 'r0', eq: 4 } },
      { op: 'fence', kind: 'mb', when: { r: 'r1', ne: 4 } },
    ]);
    // atomic_inc_return gives the new value: 4, so the relaxed subtraction runs and leaves 2.
    expect(check(litmusModel(q.test, 'lkmm'), litmusProperties(q.test)).status).toBe('violated');
  });

  it('refuses what is outside the fragment, naming the construct', () => {
    expect(parseCLitmus(CTRL.replace('if (r0) WRITE_ONCE(*b, 1);', 'if (r0) { WRITE_ONCE(*b, 1); }'))).toMatchObject({ ok: false, reason: expect.stringMatching(/^control flow/) });
    expect(parseCLitmus(CTRL.replace('if (r0) WRITE_ONCE(*b, 1);', 'if (r0 > 1) WRITE_ONCE(*b, 1);'))).toMatchObject({ ok: false, reason: expect.stringMatching(/^control flow \('if \(r0 > 1\)'/) });
    expect(parseCLitmus(CTRL.replace('if (r0) WRITE_ONCE(*b, 1);', 'while (r0) WRITE_ONCE(*b, 1);'))).toMatchObject({ ok: false, reason: expect.stringMatching(/^control flow/) });
    expect(parseCLitmus(RCU)).toMatchObject({ ok: false, reason: "statement 'rcu_read_lock()'" });
    expect(parseCLitmus(SB.replace('WRITE_ONCE(*a, 1)', 'WRITE_ONCE(*a, r0)'))).toMatchObject({ ok: false, reason: expect.stringMatching(/data dependency/) });
    expect(parseCLitmus('not a litmus test')).toMatchObject({ ok: false });
  });

  it('refuses the name __proto__ (a variable, register or lock): as an object key it is the prototype, and the test got a wrong answer', () => {
    for (const [what, text] of [
      ['variable', SB.replaceAll('*a', '*__proto__').replaceAll('int *a', 'int *__proto__')],
      ['register', SB.replaceAll('r0', '__proto__')],
    ] as const) {
      expect(parseCLitmus(text), what).toMatchObject({ ok: false, reason: `the ${what} name '__proto__' is not supported (kmc keeps names as object keys)` });
      expect(parseCLitmus(text.replaceAll('__proto__', 'constructor')), what).toMatchObject({ ok: true });
    }
    const t = { name: 'L', vars: {}, locks: ['__proto__'], threads: [[{ op: 'lock' as const, l: '__proto__' }]], exists: { mem: 'x', eq: 0 } };
    expect(() => litmusModel(t)).toThrow(/the lock name '__proto__' is not supported/);
    // A memory location named only in the exists clause becomes a variable too (a register named
    // there is only looked up, as an own key: tests/memory/litmus-registers.test.ts).
    const load = { op: 'load' as const, x: 'x', r: 'r0' };
    expect(() => litmusModel({ name: 'M', vars: {}, threads: [[load]], exists: { not: { mem: '__proto__', eq: 0 } } })).toThrow(/the variable name '__proto__'/);
  });

  it('the parsed tests check as the header says (locks included)', () => {
    for (const [text, want] of [[MP_WMB_RMB, 'verified'], [SB, 'violated'], [LOCKS, 'verified'], [CTRL, 'verified'], [CTRL.replace('if (r0) WRITE_ONCE', 'WRITE_ONCE'), 'violated'], [CTRL.replace('smp_mb();', ''), 'violated']] as const) {
      const p = parseCLitmus(text);
      if (!p.ok) throw new Error(p.reason);
      expect(check(litmusModel(p.test, 'lkmm'), litmusProperties(p.test)).status, p.name).toBe(want);
    }
  });
});

describe('kmc litmus', () => {
  it('tabulates agreement, the approximation\'s stronger answers, and the tests outside the fragment', async () => {
    const d = join(dir, 'suite');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(d);
    for (const [n, t] of Object.entries({ MP_WMB_RMB, SB, LOCKS, LB, CTRL, RCU })) writeFileSync(join(d, `${n}.litmus`), t);
    const r = await kmc('litmus', d);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/SB-ours +\| Sometimes +\| allowed +\| agree/);
    expect(r.out).toMatch(/MP\+wmb\+rmb-ours +\| Never +\| forbidden +\| agree/);
    expect(r.out).toMatch(/LB-ours +\| Sometimes +\| allowed +\| agree/);
    expect(r.out).toMatch(/LB\+ctrl-ours +\| Never +\| forbidden +\| agree/);
    expect(r.out).toMatch(/RCU-ours +\| Never +\| +\| outside +\| statement 'rcu_read_lock\(\)'/);
    expect(r.out).toMatch(/^6 tests: 5 in kmc's fragment, 1 outside it\.$/m);
    expect(r.out).toMatch(/5 agree with their header, 0 forbidden by kmc's lkmm where herd7 says Sometimes \(kmc's lkmm is stronger than the kernel's model there\), 0 disagree/);
    // In program order (as a model's steps run) load buffering is never reached: stronger.
    const inOrder = await kmc('litmus', d, '--in-order');
    expect(inOrder.code).toBe(0);
    expect(inOrder.out).toMatch(/LB-ours +\| Sometimes +\| forbidden +\| stronger/);
    expect(inOrder.out).toMatch(/4 agree with their header, 1 forbidden by kmc's lkmm in order where herd7 says Sometimes/);
    expect((await kmc('litmus', d, '--in-order', '--memory', 'tso')).code).toBe(2);
  });

  it('a kernel tree: tools/memory-model/litmus-tests, then Documentation/litmus-tests and its subdirectories; a header result other than Never/Sometimes is shown, not compared', async () => {
    const { mkdirSync } = await import('node:fs');
    const tree = join(dir, 'linux');
    mkdirSync(join(tree, 'tools', 'memory-model', 'litmus-tests'), { recursive: true });
    mkdirSync(join(tree, 'Documentation', 'litmus-tests', 'atomic'), { recursive: true });
    writeFileSync(join(tree, 'tools', 'memory-model', 'litmus-tests', 'SB.litmus'), SB);
    writeFileSync(join(tree, 'Documentation', 'litmus-tests', 'atomic', 'LB.litmus'), LB.replace('Sometimes', 'DEADLOCK'));
    writeFileSync(join(tree, 'Documentation', 'litmus-tests', 'README'), 'not a test');
    const r = await kmc('litmus', tree);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/SB-ours +\| Sometimes +\| allowed +\| agree/);
    expect(r.out).toMatch(/LB-ours +\| DEADLOCK +\| +\| outside +\| header result 'DEADLOCK'/);
    expect(r.out).toMatch(/^2 tests: 1 in kmc's fragment, 1 outside it\.$/m);
  });

  it('exits 1 when kmc allows what a header says Never (and under tso the same suite reads differently)', async () => {
    const f = join(dir, 'liar.litmus');
    writeFileSync(f, LIAR);
    const r = await kmc('litmus', f);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/SB-wrong-header +\| Never +\| allowed +\| DISAGREE/);
    const sc = await kmc('litmus', f, '--memory', 'sc');
    expect(sc.code).toBe(0);
  });
});
