// Random litmus programs (fast-check): the final outcomes the engine reaches under sc, tso and
// lkmm are exactly those of a small independent interpreter of each memory model (written here
// from the papers' operational definitions, sharing no code with src/kernel/memory.ts or
// src/kernel/litmus.ts: its fences and LOCK'd operations wait for an empty buffer, as in
// Owens/Sarkar/Sewell, where the kernel primitives drain it themselves; under lkmm it runs each
// thread's operations in any order the kernel model's preserved program order allows, and a store
// that left its buffer reaches the other CPUs one at a time, as in the POWER storage subsystem of
// Sarkar et al., "Understanding POWER multiprocessors" (PLDI 2011): each store keeps the set of
// CPUs it reached and the stores that must reach a CPU before it does (cumulativity), and a full
// barrier waits until every store its CPU has seen has reached every CPU), and every outcome
// reachable under sc is reachable under tso, and every one reachable under tso is reachable
// under lkmm.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/index.js';
import { litmusModel, type Litmus, type LitmusOp } from '../../src/kernel/litmus.js';
import { invariant } from '../../src/property/index.js';

const VARS = ['x', 'y'] as const;

/** An outcome: every register of every thread, then memory, as one string. */
function key(regs: readonly Record<string, number>[], mem: Record<string, number>): string {
  return JSON.stringify([regs.map((r) => Object.keys(r).sort().map((k) => [k, r[k]])), VARS.map((x) => mem[x] ?? 0)]);
}

interface IState {
  /** Each thread's executed operations, as a bit set (in program order under sc and tso). */
  ran: number[];
  regs: Record<string, number>[];
  mem: Record<string, number>;
  /**
   * Each CPU's buffered stores: variable, value, and (lkmm) the ordering group smp_wmb / a release
   * opened, the store's operation index, whether it is a release, and the operation indices of the
   * CPU's stores before the last smp_wmb / release before it.
   */
  buf: [string, number, number, number, boolean, number[]][][];
  /** lkmm: an smp_wmb or a release came after the CPU's newest buffered store. */
  fence: number[];
  /** lkmm: the stores that left their buffers, in coherence order (per variable: in this order). */
  writes: Write[];
  /** lkmm: per CPU, the operation indices of its stores that came before its last smp_wmb / release. */
  fenced: number[][];
  /** lkmm: per CPU, 1 after a fully ordered RMW until every store it has seen reached every CPU. */
  mbAfter: number[];
}

/** lkmm: a store that left its CPU's buffer. */
interface Write {
  x: string;
  v: number;
  cpu: number;
  /** Its operation index in its thread. */
  op: number;
  /** The CPUs it reached, or that a later store to its variable reached (they never read it then). */
  at: number[];
  /** The stores (indices into `writes`) that must reach a CPU before this one may. */
  needs: number[];
}

/**
 * The operations of a thread that may run next, given the set already run: under sc and tso the
 * first one not run; under lkmm any whose earlier operations it must wait for have run. What a
 * later operation waits for (the kernel model's preserved program order for straight-line code
 * without dependencies, explanation.txt; kmc keeps stores in program order and leaves their
 * reordering to the buffers): an earlier access to the same variable, an earlier store, anything
 * earlier when it is or follows a full barrier (smp_mb, xchg, cmpxchg) or is a release, an
 * earlier load or RMW across an smp_rmb when it reads, an earlier store across an smp_wmb when it
 * writes.
 */
function runnable(ops: readonly LitmusOp[], ran: number, model: 'sc' | 'tso' | 'lkmm'): number[] {
  const left = ops.map((_, k) => k).filter((k) => (ran & (1 << k)) === 0);
  if (model !== 'lkmm') return left.slice(0, 1);
  // A cmpxchg is ordered only when it succeeds: the interpreter lets it run early or late and
  // blocks the run where it would succeed out of place (interpret, 'cmpxchg').
  const full = (o: LitmusOp) => (o.op === 'fence' && o.kind === 'mb') || o.op === 'xchg';
  const reads = (o: LitmusOp) => o.op === 'load' || o.op === 'xchg' || o.op === 'cmpxchg';
  const writes = (o: LitmusOp) => o.op === 'store' || o.op === 'xchg' || o.op === 'cmpxchg';
  const varOf = (o: LitmusOp) => ('x' in o ? o.x : undefined);
  const waitsFor = (j: number, k: number): boolean => {
    const [a, b] = [ops[j]!, ops[k]!];
    if (full(a) || full(b) || a.op === 'store') return true;
    if (b.op === 'store' && b.kind === 'release') return true;
    if (varOf(a) !== undefined && varOf(a) === varOf(b)) return true;
    const fenceBetween = (kind: 'wmb' | 'rmb') => ops.slice(j + 1, k).some((f) => f.op === 'fence' && f.kind === kind);
    if (reads(a) && (reads(b) || (b.op === 'fence' && b.kind === 'rmb')) && (fenceBetween('rmb') || (b.op === 'fence' && b.kind === 'rmb'))) return true;
    if (a.op === 'fence' && a.kind === 'rmb' && reads(b)) return true;
    if (a.op === 'fence' && a.kind === 'wmb' && writes(b)) return true;
    if (writes(a) && b.op === 'fence' && b.kind === 'wmb') return true;
    return false;
  };
  return left.filter((k) => left.every((j) => j >= k || !waitsFor(j, k)));
}

/**
 * Every final outcome of `t` under sc (no buffers), tso (unbounded FIFO buffers, drained one store
 * at a time) or kmc's lkmm (the oldest store to any one variable may drain first, unless a store
 * buffered before an smp_wmb or a release store that came before it is still pending; a cmpxchg
 * that fails waits for nothing).
 */
function interpret(t: Litmus, model: 'sc' | 'tso' | 'lkmm'): Set<string> {
  const tso = model !== 'sc';
  const out = new Set<string>();
  const seen = new Set<string>();
  const n = t.threads.length;
  const visit = (s: IState): void => {
    const id = JSON.stringify(s);
    if (seen.has(id)) return;
    seen.add(id);
    let done = true;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < s.buf[i]!.length; k++) {
        // tso: only the oldest; lkmm: the oldest store to its variable, none of an older group pending.
        const b = s.buf[i]!;
        if (model === 'tso' ? k > 0 : b.findIndex((e) => e[0] === b[k]![0]) !== k || b.some((e) => e[2] < b[k]![2])) continue;
        done = false;
        const next: IState = structuredClone(s);
        const [x, v, , op, release, after] = next.buf[i]!.splice(k, 1)[0]!;
        if (model === 'lkmm') commitWrite(next, i, x, v, op, release, after);
        else next.mem[x] = v;
        visit(next);
      }
      // lkmm: a store reaches CPU i once every store it needs has.
      if (model === 'lkmm')
        s.writes.forEach((w, id) => {
          if (w.at.includes(i) || !w.needs.every((n) => s.writes[n]!.at.includes(i))) return;
          done = false;
          const next: IState = structuredClone(s);
          reachCpu(next, id, i);
          visit(next);
        });
      for (const k of runnable(t.threads[i]!, s.ran[i]!, model)) {
      const op = t.threads[i]![k]!;
      done = false;
      const empty = s.buf[i]!.length === 0;
      const next: IState = structuredClone(s);
      next.ran[i]! |= 1 << k;
      // lkmm: after a fully ordered RMW, nothing runs until what the CPU has seen reached every CPU.
      if (model === 'lkmm' && s.mbAfter[i] === 1) {
        if (!propagated(s, i)) continue;
        next.mbAfter[i] = 0;
      }
      const read = (x: string): number => {
        const b = next.buf[i]!;
        for (let k = b.length - 1; k >= 0; k--) if (b[k]![0] === x) return b[k]![1];
        if (model === 'lkmm') return seenValue(next, i, x);
        return next.mem[x] ?? 0;
      };
      const push = (x: string, v: number, release = false): void => {
        const b = next.buf[i]!;
        b.push([x, v, b.length === 0 ? 0 : b[b.length - 1]![2] + next.fence[i]!, k, release, [...next.fenced[i]!]]);
        next.fence[i] = 0;
      };
      const storeOrdering = (): void => {
        if (model !== 'lkmm') return;
        if (!empty) next.fence[i] = 1;
        // The CPU's stores so far (run: a barrier waits for earlier stores) precede its later ones.
        next.fenced[i] = t.threads[i]!.flatMap((o, j) => ((next.ran[i]! & (1 << j)) !== 0 && j !== k && (o.op === 'store' || o.op === 'xchg' || o.op === 'cmpxchg') ? [j] : []));
      };
      // lkmm: a full barrier waits until every store its CPU has seen reached every CPU.
      const strong = (): boolean => model !== 'lkmm' || propagated(s, i);
      // lkmm: an RMW reads the newest store to its variable, which must have reached its CPU.
      const newestSeen = (x: string): boolean => {
        if (model !== 'lkmm') return true;
        const last = s.writes.findLastIndex((w) => w.x === x);
        return last < 0 || s.writes[last]!.at.includes(i);
      };
      const rmwWrite = (x: string, v: number): void => {
        if (model !== 'lkmm') {
          next.mem[x] = v;
          return;
        }
        commitWrite(next, i, x, v, k, false, next.fenced[i]!);
        next.mbAfter[i] = 1;
      };
      switch (op.op) {
        case 'store':
          if (op.kind === 'release') storeOrdering();
          if (tso) push(op.x, op.v, op.kind === 'release');
          else next.mem[op.x] = op.v;
          break;
        case 'load':
          next.regs[i]![op.r] = read(op.x);
          break;
        case 'fence':
          if (op.kind === 'mb' && (!empty || !strong())) continue; // MFENCE waits for an empty buffer
          if (op.kind === 'wmb') storeOrdering();
          break;
        case 'cmpxchg': {
          const found = read(op.x);
          if (model === 'lkmm' && found !== op.old) {
            if (op.r) next.regs[i]![op.r] = found; // a failed cmpxchg: a load, no ordering
            break;
          }
          // Under lkmm one that succeeds is fully ordered: every earlier operation ran, no later one.
          if (model === 'lkmm' && s.ran[i] !== (1 << k) - 1) continue;
          if (!empty || !strong() || !newestSeen(op.x)) continue; // LOCK'd (tso); fully ordered when it succeeds (lkmm)
          const cur = read(op.x);
          if (op.r) next.regs[i]![op.r] = cur;
          if (cur === op.old) rmwWrite(op.x, op.v);
          break;
        }
        case 'xchg': {
          if (!empty || !strong() || !newestSeen(op.x)) continue; // a LOCK'd instruction waits for an empty buffer
          const cur = read(op.x);
          if (op.r) next.regs[i]![op.r] = cur;
          rmwWrite(op.x, op.v);
          break;
        }
        default:
          throw new Error(`the generator makes no ${op.op}`);
      }
      visit(next);
      }
    }
    if (done) out.add(key(s.regs, model === 'lkmm' ? Object.fromEntries(VARS.map((x) => [x, s.writes.findLast((w) => w.x === x)?.v ?? 0])) : s.mem));
  };
  const regs = t.threads.map((ops) => Object.fromEntries(ops.flatMap((o) => ('r' in o && o.r ? [[o.r, 0]] : []))));
  visit({ ran: t.threads.map(() => 0), regs, mem: {}, buf: t.threads.map(() => []), fence: t.threads.map(() => 0), writes: [], fenced: t.threads.map(() => []), mbAfter: t.threads.map(() => 0) });
  return out;
}

/** lkmm: the value CPU i reads from x: the newest store to x that reached it, else 0. */
function seenValue(s: IState, i: number, x: string): number {
  return s.writes.findLast((w) => w.x === x && w.at.includes(i))?.v ?? 0;
}

/** lkmm: has every store CPU i has seen (or passed) reached (or been passed at) every CPU? */
function propagated(s: IState, i: number): boolean {
  return s.writes.every((w) => !w.at.includes(i) || w.at.length === s.fence.length);
}

/** lkmm: store `id` reaches CPU d, and the older stores to its variable are passed there. */
function reachCpu(s: IState, id: number, d: number): void {
  const x = s.writes[id]!.x;
  for (let j = 0; j <= id; j++) {
    const w = s.writes[j]!;
    if (w.x === x && !w.at.includes(d)) w.at = [...w.at, d].sort();
  }
}

/**
 * lkmm: CPU i's store of v to x (operation `op`) leaves its buffer: last in x's coherence order,
 * seen by CPU i only. It needs its CPU's stores before an smp_wmb / release before it (`after`),
 * and, for a release, every store its CPU has seen; then what those need, and the older stores to
 * their variables (cumulativity is transitive). Its CPU has seen what it needs.
 */
function commitWrite(s: IState, i: number, x: string, v: number, op: number, release: boolean, after: readonly number[]): void {
  const needs = new Set<number>();
  s.writes.forEach((w, id) => {
    if ((w.cpu === i && after.includes(w.op)) || (release && w.at.includes(i))) needs.add(id);
  });
  for (let grew = true; grew; ) {
    grew = false;
    for (const id of [...needs])
      for (const more of [...s.writes[id]!.needs, ...s.writes.flatMap((w, j) => (j < id && w.x === s.writes[id]!.x ? [j] : []))])
        if (!needs.has(more)) {
          needs.add(more);
          grew = true;
        }
  }
  for (const id of needs) reachCpu(s, id, i);
  s.writes.push({ x, v, cpu: i, op, at: [], needs: [...needs].sort((a, b) => a - b) });
  reachCpu(s, s.writes.length - 1, i);
}

/** Every final outcome the engine reaches: an invariant that records the final states it is shown. */
function engineOutcomes(t: Litmus, memory: 'sc' | 'tso' | 'lkmm'): { outcomes: Set<string>; status: string } {
  const outcomes = new Set<string>();
  const n = t.threads.length;
  type S = { m: { mem: Record<string, number>; sb: { n: number }[]; pw?: { n: number }[] } };
  const record = invariant<S>('record', 'records the final outcomes (always holds)', (s) => {
    for (let i = 0; i < n; i++) if (!s.ended(i)) return true;
    if (s.vars.m.sb.some((b) => b.n > 0) || (s.vars.m.pw ?? []).some((p) => p.n > 0)) return true;
    outcomes.add(key(Array.from({ length: n }, (_, i) => s.local<Record<string, number>>(i)), s.vars.m.mem));
    return true;
  });
  const r = check(litmusModel(t, memory), [record]);
  return { outcomes, status: r.status };
}

const opArb = (thread: number, index: number): fc.Arbitrary<LitmusOp> => {
  const x = fc.constantFrom(...VARS);
  const v = 1 + thread * 4 + index; // every store writes a value of its own
  const r = `r${index}`;
  return fc.oneof(
    { weight: 4, arbitrary: x.map((x): LitmusOp => ({ op: 'store', x, v })) },
    { weight: 1, arbitrary: x.map((x): LitmusOp => ({ op: 'store', x, v, kind: 'release' })) },
    { weight: 4, arbitrary: x.map((x): LitmusOp => ({ op: 'load', x, r })) },
    { weight: 1, arbitrary: fc.constantFrom<LitmusOp>({ op: 'fence', kind: 'mb' }, { op: 'fence', kind: 'wmb' }, { op: 'fence', kind: 'rmb' }) },
    { weight: 1, arbitrary: x.map((x): LitmusOp => ({ op: 'xchg', x, v, r })) },
    // A cmpxchg that may fail (x is 0 until some store) or succeed.
    { weight: 1, arbitrary: fc.tuple(x, fc.constantFrom(0, 1, 5)).map(([x, old]): LitmusOp => ({ op: 'cmpxchg', x, old, v, r })) },
  );
};
const threadArb = (thread: number) => fc.integer({ min: 1, max: 3 }).chain((len) => fc.tuple(...Array.from({ length: len }, (_, i) => opArb(thread, i))));
const programArb = fc.integer({ min: 2, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, t) => threadArb(t)))).map((threads): Litmus => ({ name: 'random', vars: {}, threads, exists: { and: [] } }));

describe('random litmus programs', () => {
  it('the engine reaches exactly the interpreter\'s outcomes under sc, tso and lkmm, and sc ⊆ tso ⊆ lkmm', () => {
    let weaker = 0;
    let weakest = 0;
    // lkmm's propagation steps make its runs several times longer than tso's: it is compared on
    // the first LKMM_RUNS programs (the examples below, then random ones), sc and tso on all.
    const LKMM_RUNS = 36;
    let runs = 0;
    fc.assert(
      fc.property(programArb, (t) => {
        const sc = interpret(t, 'sc');
        const tso = interpret(t, 'tso');
        const withLkmm = runs++ < LKMM_RUNS;
        const lkmm = withLkmm ? interpret(t, 'lkmm') : tso;
        for (const o of sc) expect(tso.has(o), `outcome ${o} is reachable under sc but not under tso`).toBe(true);
        for (const o of tso) expect(lkmm.has(o), `outcome ${o} is reachable under tso but not under lkmm`).toBe(true);
        for (const [memory, want] of [['sc', sc], ['tso', tso], ...(withLkmm ? [['lkmm', lkmm] as const] : [])] as const) {
          const e = engineOutcomes(t, memory);
          expect(e.status).toBe('verified'); // verified, not store-buffer-bound: 3 stores fit in 4 entries
          expect([...e.outcomes].sort(), memory).toEqual([...want].sort());
        }
        if (tso.size > sc.size) weaker++;
        if (lkmm.size > tso.size) weakest++;
      }),
      {
        numRuns: 120,
        seed: 14,
        // Shapes random programs this short seldom hit, run first: smp_wmb and a release order
        // stores, not a store before a later load (SB with either on one side, smp_mb on the other).
        examples: [
          [{ name: 'SB+wmb+mb', vars: {}, threads: [[{ op: 'store', x: 'x', v: 1 }, { op: 'fence', kind: 'wmb' }, { op: 'load', x: 'y', r: 'r0' }], [{ op: 'store', x: 'y', v: 2 }, { op: 'fence', kind: 'mb' }, { op: 'load', x: 'x', r: 'r1' }]], exists: { and: [] } }],
          // A failed cmpxchg is not an acquire: the load after it may pass it (the kernel's cmpxchg-fail-unordered-2 shape).
          [{ name: 'cmpxchg-fail+po', vars: {}, threads: [[{ op: 'store', x: 'x', v: 1 }, { op: 'cmpxchg', x: 'y', old: 0, v: 2, r: 'r0' }], [{ op: 'cmpxchg', x: 'y', old: 0, v: 6, r: 'r0' }, { op: 'load', x: 'x', r: 'r1' }]], exists: { and: [] } }],
          [{ name: 'SB+release+mb', vars: {}, threads: [[{ op: 'store', x: 'x', v: 1 }, { op: 'store', x: 'y', v: 3, kind: 'release' }, { op: 'load', x: 'y', r: 'r0' }], [{ op: 'store', x: 'y', v: 2 }, { op: 'fence', kind: 'mb' }, { op: 'load', x: 'x', r: 'r1' }]], exists: { and: [] } }],
        ],
      },
    );
    // The generator does make programs with outcomes only tso (lkmm) allows, else the test says little.
    expect(weaker).toBeGreaterThanOrEqual(3);
    expect(weakest).toBeGreaterThanOrEqual(3);
  });
});
