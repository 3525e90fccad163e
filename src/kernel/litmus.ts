// Litmus tests as kmc models: a few threads of loads, stores, barriers and atomics on shared
// variables, and an `exists` clause on the final state (registers and memory). The model's one
// invariant, `exists-unreachable`, says the clause's final state is never reached: a violation
// is a witness that the outcome is allowed under the run's memory model (its trace shows the
// reordering); verified means it is forbidden. The shapes of the classic tests (SB, MP, LB, …)
// are in tests/memory/litmus-shapes.ts; the C-litmus reader (tools/litmus) produces the same data.

import { defineModel, type ModelDef, type System, type ThreadDef, type LocationDef, type StepEnv, type Draft } from '../model/index.js';
import { invariant } from '../property/define.js';
import { ownKey } from '../util/own.js';
import type { Property } from '../property/types.js';
import {
  memoryParams,
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
  spinLockFence,
  spinUnlockFence,
  type MemoryModelName,
  type SharedMemory,
} from './memory.js';

export type LitmusOp =
  | { op: 'store'; x: string; v: number; kind?: 'once' | 'release' | 'mb' }
  | { op: 'load'; x: string; r: string; kind?: 'once' | 'acquire' }
  | { op: 'fence'; kind: 'mb' | 'wmb' | 'rmb' | 'before_atomic' | 'after_atomic' }
  /** xchg / cmpxchg / atomic_fetch_add, any ordering form; `r` receives the old value. */
  | { op: 'xchg'; x: string; v: number; r?: string; order?: string }
  | { op: 'cmpxchg'; x: string; old: number; v: number; r?: string; order?: string }
  | { op: 'add'; x: string; v: number; r?: string; order?: string }
  /** spin_lock / spin_unlock of a lock declared in Litmus.locks (its word is sequentially consistent; see src/kernel/memory.ts). */
  | { op: 'lock'; l: string }
  | { op: 'unlock'; l: string };

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
      return o.r ? `${o.r} = atomic_fetch_add${o.order ? `_${o.order}` : ''}(${o.v}, &${o.x})` : `atomic_add(${o.v}, &${o.x})`;
  }
}

function run(o: LitmusOp): (d: Draft<S>, env: StepEnv<Regs>) => void {
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
      return (d, env) => keep(env, o.r, atomic_fetch_add(at(d), o.x, o.v, env, orderOf(o.order)));
    case 'lock':
      return (d, env) => {
        spinLockFence(at(d), env);
        d.locks[o.l] = env.self;
      };
    case 'unlock':
      return (d, env) => {
        if (d.locks[o.l] !== env.self) throw new Error(`spin_unlock(${o.l}) by a CPU that does not hold it`);
        spinUnlockFence(at(d), env);
        d.locks[o.l] = -1;
      };
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

function registersOf(ops: readonly LitmusOp[]): Regs {
  const regs: Regs = {};
  for (const o of ops) if ('r' in o && o.r !== undefined) regs[o.r] = 0;
  return regs;
}

function varsOf(t: Litmus): Record<string, number> {
  const vars: Record<string, number> = { ...t.vars };
  const mention = (x: string) => void (Object.hasOwn(vars, x) || (vars[x] = 0));
  for (const ops of t.threads) for (const o of ops) if ('x' in o) mention(o.x);
  const walk = (c: LitmusCond): void => {
    if ('mem' in c) mention(c.mem);
    else if ('and' in c) c.and.forEach(walk);
    else if ('or' in c) c.or.forEach(walk);
    else if ('not' in c) walk(c.not);
  };
  walk(t.exists);
  return vars;
}

/** The litmus test as a model: its memory model is a parameter (`--memory`), tso by default. */
export function litmusModel(t: Litmus, memory: MemoryModelName = 'tso'): ModelDef<S> {
  const vars = varsOf(t);
  return defineModel({
    name: t.name,
    doc: t.doc ?? `litmus test ${t.name}`,
    params: memoryParams(memory, 4),
    variants: { litmus: t.doc ?? t.name },
    build({ params }): System<S> {
      const locks = Object.fromEntries([...new Set([...(t.locks ?? []), ...t.threads.flat().flatMap((o) => ('l' in o ? [o.l] : []))])].map((l) => [l, -1]));
      const init: S = { m: sharedMemory(params, vars, t.threads.length), locks };
      const threads: ThreadDef<S, Regs>[] = t.threads.map((ops, i) => ({
        name: `P${i}`,
        locals: registersOf(ops),
        program: ops.map((o, k): LocationDef<S, Regs> => ({
          id: `s${k}`,
          actions: [{ label: `P${i}: ${label(o)}`, run: run(o), ...(o.op === 'lock' ? { guard: (s: S) => s.locks[o.l] === -1 } : {}) }],
        })),
      }));
      return { init, threads: [...threads, ...memoryThreads(init, at)] };
    },
  });
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
    return s.vars.m.sb.every((b) => b.n === 0);
  };
  return [
    invariant<S>('exists-unreachable', `the final state exists ${condText(t.exists)} is never reached (violated: the outcome is allowed)`, (s) => !(final(s) && evalCond(t.exists, s as never))),
  ] as Property[];
}
