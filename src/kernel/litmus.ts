// Litmus tests as kmc models: a few threads of loads, stores, barriers and atomics on shared
// variables, and an `exists` clause on the final state (registers and memory). The model's one
// invariant, `exists-unreachable`, says the clause's final state is never reached: a violation
// is a witness that the outcome is allowed under the run's memory model (its trace shows the
// reordering); verified means it is forbidden. Under lkmm each thread's operations also execute
// out of program order where the kernel's model allows (`ordered` below), which a model's steps,
// being code, cannot: `inOrder` runs them as a model would. The shapes of the classic tests (SB,
// MP, LB, …) are in tests/memory/litmus-shapes.ts; the C-litmus reader (litmus-c.ts) produces the
// same data.

import { defineModel, END, type ActionDef, type ModelDef, type System, type ThreadDef, type LocationDef, type StepEnv, type Draft } from '../model/index.js';
import { invariant } from '../property/define.js';
import { ownKey } from '../util/own.js';
import type { Property } from '../property/types.js';
import {
  memoryParams,
  memoryModelOf,
  memoryThreads,
  sharedMemory,
  READ_ONCE,
  WRITE_ONCE,
  smp_load_acquire,
  smp_store_release,
  smp_mb,
  smp_wmb,
  smp_rmb,
  smp_mb__before_atomic,
  smp_mb__after_atomic,
  smp_store_mb,
  xchg,
  xchg_relaxed,
  xchg_acquire,
  xchg_release,
  cmpxchg,
  cmpxchg_relaxed,
  cmpxchg_acquire,
  cmpxchg_release,
  atomic_fetch_add,
  atomic_add,
  type RmwOrder,
  spin_lock_ordered,
  spin_unlock_ordered,
  quiescent,
  type MemoryModelName,
  type SharedMemory,
} from './memory.js';

/** A control dependency: the operation runs only when register `r` equals `eq` (or differs from `ne`). */
export interface LitmusWhen {
  r: string;
  eq?: number;
  ne?: number;
}

export type LitmusOp = (
  | { op: 'store'; x: string; v: number; kind?: 'once' | 'release' | 'mb' }
  | { op: 'load'; x: string; r: string; kind?: 'once' | 'acquire' }
  | { op: 'fence'; kind: 'mb' | 'wmb' | 'rmb' | 'before_atomic' | 'after_atomic' }
  /** xchg / cmpxchg / atomic_fetch_add, any ordering form; `r` receives the old value. */
  | { op: 'xchg'; x: string; v: number; r?: string; order?: string }
  | { op: 'cmpxchg'; x: string; old: number; v: number; r?: string; order?: string }
  /** atomic_add / atomic_fetch_add{,_relaxed,...}; `ret: 'new'`: atomic_add_return and kin (`r` receives the new value). */
  | { op: 'add'; x: string; v: number; r?: string; order?: string; ret?: 'new' }
  /** spin_lock / spin_unlock of a lock declared in Litmus.locks (its word is sequentially consistent; see src/kernel/memory.ts). */
  | { op: 'lock'; l: string }
  | { op: 'unlock'; l: string }
) & {
  /** `if (r) op;` and the like: a control dependency on the load (or RMW) that set `r`. */
  when?: LitmusWhen;
};

/** A condition on the final state: registers (thread index, name), memory, and connectives. */
export type LitmusCond =
  | { reg: [number, string]; eq: number }
  | { mem: string; eq: number }
  | { and: LitmusCond[] }
  | { or: LitmusCond[] }
  | { not: LitmusCond };

export interface Litmus {
  name: string;
  doc?: string;
  /** Shared variables and their initial values (absent ones start at 0). */
  vars: Record<string, number>;
  /** One program per thread (CPU). */
  threads: LitmusOp[][];
  /** Spinlocks (spinlock_t), free at the start. */
  locks?: string[];
  exists: LitmusCond;
}

type Regs = Record<string, number>;
type S = { m: SharedMemory; locks: Record<string, number> };

const at = (s: S | Draft<S>) => s.m as SharedMemory;

function label(o: LitmusOp): string {
  if (o.when === undefined) return statement(o);
  const w = o.when;
  return `if (${w.eq !== undefined ? `${w.r} == ${w.eq}` : w.ne === 0 ? w.r : `${w.r} != ${w.ne}`}) ${statement(o)}`;
}

function statement(o: LitmusOp): string {
  switch (o.op) {
    case 'store':
      return o.kind === 'release' ? `smp_store_release(&${o.x}, ${o.v})` : o.kind === 'mb' ? `smp_store_mb(${o.x}, ${o.v})` : `WRITE_ONCE(${o.x}, ${o.v})`;
    case 'load':
      return o.kind === 'acquire' ? `${o.r} = smp_load_acquire(&${o.x})` : `${o.r} = READ_ONCE(${o.x})`;
    case 'fence':
      return o.kind === 'mb' ? 'smp_mb()' : o.kind === 'wmb' ? 'smp_wmb()' : o.kind === 'rmb' ? 'smp_rmb()' : `smp_mb__${o.kind}()`;
    case 'xchg':
      return `${o.r ? `${o.r} = ` : ''}xchg${o.order ? `_${o.order}` : ''}(&${o.x}, ${o.v})`;
    case 'cmpxchg':
      return `${o.r ? `${o.r} = ` : ''}cmpxchg${o.order ? `_${o.order}` : ''}(&${o.x}, ${o.old}, ${o.v})`;
    case 'lock':
      return `spin_lock(${o.l})`;
    case 'unlock':
      return `spin_unlock(${o.l})`;
    case 'add':
      return o.r ? `${o.r} = atomic_${o.ret === 'new' ? 'add_return' : 'fetch_add'}${o.order ? `_${o.order}` : ''}(${o.v}, &${o.x})` : `atomic_add(${o.v}, &${o.x})`;
  }
}

/** Each lock's index in the shared memory's lock views: its place among the test's lock names. */
type LockIndex = (l: string) => number;

function run(o: LitmusOp, lockIndex: LockIndex): (d: Draft<S>, env: StepEnv<Regs>) => void {
  const body = effect(o, lockIndex);
  if (o.when === undefined) return body;
  return (d, env) => {
    if (whenHolds(o, env)) body(d, env);
  };
}

/** Does the operation's control dependency let it run (always, without one)? A register its process never assigned is 0 (herd7's initial value). */
function whenHolds(o: LitmusOp, env: Pick<StepEnv<Regs>, 'local'>): boolean {
  const w = o.when;
  if (w === undefined) return true;
  const v = ownKey(env.local, w.r) ?? 0;
  return w.eq !== undefined ? v === w.eq : v !== (w.ne ?? 0);
}

function effect(o: LitmusOp, lockIndex: LockIndex): (d: Draft<S>, env: StepEnv<Regs>) => void {
  switch (o.op) {
    case 'store':
      return (d, env) => (o.kind === 'release' ? smp_store_release : o.kind === 'mb' ? smp_store_mb : WRITE_ONCE)(at(d), o.x, o.v, env);
    case 'load':
      return (d, env) => void (env.local[o.r] = (o.kind === 'acquire' ? smp_load_acquire : READ_ONCE)(at(d), o.x, env));
    case 'fence': {
      const f = { mb: smp_mb, wmb: smp_wmb, rmb: smp_rmb, before_atomic: smp_mb__before_atomic, after_atomic: smp_mb__after_atomic }[o.kind];
      return (d, env) => f(at(d), env);
    }
    case 'xchg': {
      const f = { full: xchg, relaxed: xchg_relaxed, acquire: xchg_acquire, release: xchg_release }[orderOf(o.order)];
      return (d, env) => keep(env, o.r, f(at(d), o.x, o.v, env));
    }
    case 'cmpxchg': {
      const f = { full: cmpxchg, relaxed: cmpxchg_relaxed, acquire: cmpxchg_acquire, release: cmpxchg_release }[orderOf(o.order)];
      return (d, env) => keep(env, o.r, f(at(d), o.x, o.old, o.v, env));
    }
    case 'add':
      // Without a result register: atomic_add (no return value: unordered); with one: atomic_fetch_add{,_relaxed,...}.
      if (o.r === undefined) return (d, env) => atomic_add(at(d), o.x, o.v, env);
      return (d, env) => keep(env, o.r, atomic_fetch_add(at(d), o.x, o.v, env, orderOf(o.order)) + (o.ret === 'new' ? o.v : 0));
    case 'lock': {
      const l = lockIndex(o.l);
      return (d, env) => {
        spin_lock_ordered(at(d), l, env);
        d.locks[o.l] = env.self;
      };
    }
    case 'unlock': {
      const l = lockIndex(o.l);
      return (d, env) => {
        if (d.locks[o.l] !== env.self) throw new Error(`spin_unlock(${o.l}) by a CPU that does not hold it`);
        spin_unlock_ordered(at(d), l, env);
        d.locks[o.l] = -1;
      };
    }
  }
}

function orderOf(order: string | undefined): RmwOrder {
  if (order === undefined || order === '' || order === 'mb') return 'full';
  if (order === 'relaxed' || order === 'acquire' || order === 'release') return order;
  throw new Error(`unknown RMW ordering '${order}' (relaxed, acquire, release, or none for full)`);
}

function keep(env: StepEnv<Regs>, r: string | undefined, v: number): void {
  if (r !== undefined) env.local[r] = v;
}

type NameKind = 'variable' | 'register' | 'lock';

/** Every name a litmus test makes a key, with its kind: declared variables, locks, the threads' operations, the exists clause's memory locations. */
function* namesIn(t: Litmus): Generator<[NameKind, string]> {
  for (const x of Object.keys(t.vars)) yield ['variable', x];
  for (const l of t.locks ?? []) yield ['lock', l];
  for (const ops of t.threads)
    for (const o of ops) {
      if ('x' in o) yield ['variable', o.x];
      if ('r' in o && o.r !== undefined) yield ['register', o.r];
      if ('l' in o) yield ['lock', o.l];
      if (o.when !== undefined) yield ['register', o.when.r];
    }
  const walk = function* (c: LitmusCond): Generator<[NameKind, string]> {
    if ('mem' in c) yield ['variable', c.mem];
    // (a register the exists clause names is looked up as an own key, never made one: any name is safe there)
    else if ('reg' in c) return;
    else if ('and' in c) for (const d of c.and) yield* walk(d);
    else if ('or' in c) for (const d of c.or) yield* walk(d);
    else yield* walk(c.not);
  };
  yield* walk(t.exists);
}

/**
 * A litmus test's names (variables, registers, locks) become keys of the state's objects, where
 * `__proto__` is not a key but the prototype: assigning to it would corrupt the state, so such a
 * test is refused, saying why, rather than given a wrong verdict (names read from a file are data).
 */
export function reservedName(t: Litmus): string | undefined {
  for (const [kind, name] of namesIn(t)) if (name === '__proto__') return `the ${kind} name '__proto__' is not supported (kmc keeps names as object keys)`;
  return undefined;
}

/** The test's locks, declared ones first, then the ones its operations name, each once. */
function lockNames(t: Litmus): string[] {
  const names = new Set<string>();
  for (const [kind, name] of namesIn(t)) if (kind === 'lock') names.add(name);
  return [...names];
}

function registersOf(ops: readonly LitmusOp[]): Regs {
  const regs: Regs = {};
  for (const o of ops) if ('r' in o && o.r !== undefined) regs[o.r] = 0;
  return regs;
}

function varsOf(t: Litmus): Record<string, number> {
  const vars: Record<string, number> = { ...t.vars };
  for (const [kind, x] of namesIn(t)) if (kind === 'variable' && !Object.hasOwn(vars, x)) vars[x] = 0;
  return vars;
}

/**
 * Under lkmm, a litmus thread's operations may execute out of program order wherever the
 * kernel's memory model does not order them (Alglave et al., ASPLOS 2018, and
 * tools/memory-model/Documentation/explanation.txt: "ppo", preserved program order). `ordered(a,
 * b)` says whether `a`, before `b` in program order, must execute first (`afterBeforeAtomic`:
 * an RMW that has an smp_mb__before_atomic() before it in program order is fully ordered
 * (explanation.txt: the barrier orders every earlier access before the atomic and everything
 * after it). What the store buffers
 * do (src/kernel/memory.ts) is unchanged: a store executes by entering its CPU's buffer, so a
 * later load passing it, and stores reaching memory out of order, come from the buffers; this
 * adds what they cannot give: a load passing an earlier load (MP without smp_rmb, WRC, IRIW) and
 * a store passing an earlier load (LB). The rules, stronger than LKMM where marked (*):
 *   - accesses to the same variable stay in order (coherence; *for a load after a load);
 *   - smp_mb, smp_store_mb, lock and unlock, value-returning RMWs, RMWs after an
 *     smp_mb__before_atomic (*smp_mb__before/after_atomic themselves, *a cmpxchg that may fail)
 *     are ordered with everything before and after them;
 *   - an acquire (load or RMW) before everything after it; a release (store or RMW) after
 *     everything before it;
 *   - smp_wmb between stores, smp_rmb between loads (RMWs are both);
 *   - *a plain store before everything after it (its buffer gives the reorderings LKMM allows
 *     after a store);
 *   - an operation under `if (r ...)` after the load or RMW that set r (a control dependency:
 *     explanation.txt orders a load before a store that depends on it; *before a load too);
 *   - nothing else: a load, a relaxed RMW or a release RMW may be passed by a later load or store
 *     of another variable.
 * Data and address dependencies do not arise: the reader (litmus-c.ts) refuses register values
 * and pointers.
 */
export function ordered(a: LitmusOp, b: LitmusOp, afterBeforeAtomic: { a: boolean; b: boolean } = { a: false, b: false }): boolean {
  if (b.when !== undefined && 'r' in a && a.r === b.when.r) return true;
  if (isFull(a) || isFull(b) || (afterBeforeAtomic.a && isRmw(a)) || (afterBeforeAtomic.b && isRmw(b))) return true;
  const xa = 'x' in a ? a.x : undefined;
  const xb = 'x' in b ? b.x : undefined;
  if (xa !== undefined && xa === xb) return true;
  if (isAcquire(a) || isRelease(b)) return true;
  if (a.op === 'store') return true;
  if (b.op === 'fence' && b.kind === 'wmb' && writes(a)) return true;
  if (a.op === 'fence' && a.kind === 'wmb' && writes(b)) return true;
  if (b.op === 'fence' && b.kind === 'rmb' && reads(a)) return true;
  if (a.op === 'fence' && a.kind === 'rmb' && reads(b)) return true;
  return false;
}

const isRmw = (o: LitmusOp): o is Extract<LitmusOp, { op: 'xchg' | 'cmpxchg' | 'add' }> => o.op === 'xchg' || o.op === 'cmpxchg' || o.op === 'add';
/** Ordered with everything: full fences, locks, and the fully ordered (value-returning) RMWs. */
function isFull(o: LitmusOp): boolean {
  if (o.op === 'lock' || o.op === 'unlock') return true;
  if (o.op === 'fence') return o.kind === 'mb' || o.kind === 'before_atomic' || o.kind === 'after_atomic';
  if (o.op === 'store') return o.kind === 'mb';
  // atomic_add / atomic_inc (no result register) are relaxed; the others are full unless suffixed.
  if (isRmw(o)) return (o.op !== 'add' || o.r !== undefined) && orderOf(o.order) === 'full';
  return false;
}
const isAcquire = (o: LitmusOp): boolean => (o.op === 'load' && o.kind === 'acquire') || (isRmw(o) && o.order === 'acquire');
const isRelease = (o: LitmusOp): boolean => (o.op === 'store' && o.kind === 'release') || (isRmw(o) && o.order === 'release');
const reads = (o: LitmusOp): boolean => o.op === 'load' || isRmw(o);
const writes = (o: LitmusOp): boolean => o.op === 'store' || isRmw(o);

export interface LitmusModelOptions {
  /**
   * Under lkmm, execute each thread's operations in program order, as a model's steps are (the
   * store buffers alone, src/kernel/memory.ts), instead of in any order `ordered` allows.
   */
  inOrder?: boolean;
}

/** The litmus test as a model: its memory model is a parameter (`--memory`), tso by default. */
export function litmusModel(t: Litmus, memory: MemoryModelName = 'tso', options: LitmusModelOptions = {}): ModelDef<S> {
  const reserved = reservedName(t);
  if (reserved !== undefined) throw new Error(`litmus test ${t.name}: ${reserved}`);
  const vars = varsOf(t);
  return defineModel({
    name: t.name,
    doc: t.doc ?? `litmus test ${t.name}`,
    params: memoryParams(memory, 4),
    variants: { litmus: t.doc ?? t.name },
    build({ params }): System<S> {
      const names = lockNames(t);
      const locks = Object.fromEntries(names.map((l) => [l, -1]));
      const lockIndex: LockIndex = (l) => names.indexOf(l);
      const init: S = { m: sharedMemory(params, vars, t.threads.length, { locks: names.length }), locks };
      const outOfOrder = memoryModelOf(params) === 'lkmm' && options.inOrder !== true;
      const threads: ThreadDef<S, Regs>[] = t.threads.map((ops, i) => ({
        name: `P${i}`,
        locals: registersOf(ops),
        program: outOfOrder ? outOfOrderProgram(ops, i, lockIndex) : ops.map((o, k): LocationDef<S, Regs> => ({ id: `s${k}`, actions: [action(o, i, lockIndex)] })),
      }));
      return { init, threads: [...threads, ...memoryThreads(init, at)] };
    },
  });
}

function action(o: LitmusOp, thread: number, lockIndex: LockIndex): ActionDef<S, Regs> {
  return { label: `P${thread}: ${label(o)}`, run: run(o, lockIndex), ...(o.op === 'lock' ? { guard: (s: S) => s.locks[o.l] === -1 } : {}) };
}

/**
 * One location per set of executed operations (`d` and the set's bits: only the sets closed
 * under `ordered` are reachable); at each, one action per operation whose predecessors have all
 * executed. The set of every operation goes to the end.
 *
 * A cmpxchg is ordered only when it succeeds (a failed one is a plain load: src/kernel/memory.ts),
 * and whether it succeeds is known only when it runs. So it waits only for what its relaxed form
 * waits for; where an access it would order on success already ran (or one it would wait for has
 * not), it may run only if it fails (its guard), as a CPU that speculated past it would have to
 * undo the speculation if it succeeded. Such a location is an end location: a thread left there
 * by a cmpxchg that would succeed took a path no CPU takes, not a deadlock.
 */
function outOfOrderProgram(ops: readonly LitmusOp[], thread: number, lockIndex: LockIndex): LocationDef<S, Regs>[] {
  if (ops.length === 0) return [];
  if (ops.length > 16) throw new Error(`litmus thread P${thread} has ${ops.length} operations; out-of-order execution takes at most 16`);
  const all = (1 << ops.length) - 1;
  const firstBefore = ops.findIndex((o) => o.op === 'fence' && o.kind === 'before_atomic');
  const afterFence = (k: number) => firstBefore >= 0 && k > firstBefore;
  const conditional = (k: number) => ops[k]!.op === 'cmpxchg' && orderOf((ops[k] as { order?: string }).order) !== 'relaxed' && !afterFence(k);
  const asRun = (k: number): LitmusOp => (conditional(k) ? { ...ops[k]!, order: 'relaxed' } as LitmusOp : ops[k]!);
  const mask = (keep: (j: number) => boolean) => ops.reduce((m, _, j) => (keep(j) ? m | (1 << j) : m), 0);
  const pred = ops.map((_, k) => mask((j) => j < k && ordered(asRun(j), asRun(k), { a: afterFence(j), b: afterFence(k) })));
  // What a conditional cmpxchg orders when it succeeds: before it, and after it.
  const onSuccessBefore = ops.map((o, k) => (conditional(k) ? mask((j) => j < k && ordered(asRun(j), o)) : 0));
  const onSuccessAfter = ops.map((o, k) => (conditional(k) ? mask((j) => j > k && ordered(o, asRun(j))) : 0));
  const id = (done: number) => `d${done.toString(2).padStart(ops.length, '0').split('').reverse().join('')}`;
  const locations: LocationDef<S, Regs>[] = [];
  const seen = new Set<number>([0]);
  for (const queue = [0]; queue.length > 0; ) {
    const done = queue.shift()!;
    const actions: ActionDef<S, Regs>[] = [];
    let speculative = false;
    ops.forEach((o, k) => {
      if ((done & (1 << k)) !== 0 || (pred[k]! & done) !== pred[k]) return;
      const after = done | (1 << k);
      const mayOnlyFail = o.op === 'cmpxchg' && ((onSuccessBefore[k]! & done) !== onSuccessBefore[k] || (onSuccessAfter[k]! & done) !== 0);
      speculative ||= mayOnlyFail;
      // Skipped by its control dependency, or failing: either way it orders nothing.
      const fails = o.op === 'cmpxchg' ? (st: S, env: StepEnv<Regs>) => !whenHolds(o, env) || READ_ONCE(at(st), o.x, env) !== o.old : undefined;
      actions.push({ ...action(o, thread, lockIndex), ...(mayOnlyFail ? { guard: fails, blockedOn: () => `cmpxchg(&${(o as { x: string }).x}) would succeed after an access it orders ran` } : {}), next: after === all ? END : id(after) });
      if (after !== all && !seen.has(after)) {
        seen.add(after);
        queue.push(after);
      }
    });
    locations.push({ id: id(done), actions, ...(speculative ? { end: true } : {}) });
  }
  return locations;
}

export function condText(c: LitmusCond): string {
  if ('reg' in c) return `${c.reg[0]}:${c.reg[1]}=${c.eq}`;
  if ('mem' in c) return `${c.mem}=${c.eq}`;
  if ('and' in c) return c.and.length === 0 ? 'true' : `(${c.and.map(condText).join(' /\\ ')})`;
  if ('or' in c) return c.or.length === 0 ? 'false' : `(${c.or.map(condText).join(' \\/ ')})`;
  return `~${condText(c.not)}`;
}

/** `exists-unreachable`: the final state the exists clause describes is never reached (every thread ended, every store buffer drained). */
export function litmusProperties(t: Litmus): Property[] {
  const evalCond = (c: LitmusCond, s: { vars: S; local(i: number): Readonly<Regs> }): boolean => {
    // Names from a litmus file: own keys only; a register its process never assigns is 0 (herd7's initial value).
    if ('reg' in c) return (ownKey(s.local(c.reg[0]), c.reg[1]) ?? 0) === c.eq;
    if ('mem' in c) return (ownKey(s.vars.m.mem as Record<string, number>, c.mem) ?? 0) === c.eq;
    if ('and' in c) return c.and.every((x) => evalCond(x, s));
    if ('or' in c) return c.or.some((x) => evalCond(x, s));
    return !evalCond(c.not, s);
  };
  const n = t.threads.length;
  const final = (s: { vars: S; ended(i: number): boolean }): boolean => {
    for (let i = 0; i < n; i++) if (!s.ended(i)) return false;
    return quiescent(s.vars.m);
  };
  return [
    invariant<S>('exists-unreachable', `the final state exists ${condText(t.exists)} is never reached (violated: the outcome is allowed)`, (s) => !(final(s) && evalCond(t.exists, s as never))),
  ] as Property[];
}
