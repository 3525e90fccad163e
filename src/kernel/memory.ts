// Shared memory under a memory model: sequential consistency (sc) or x86-TSO (tso), and the
// kernel's barrier primitives on it.
//
// kmc explores interleavings of atomic steps: without this file every store is seen by every
// CPU at once (sequential consistency). A model declares which of its fields are shared memory
// by keeping them in a `SharedMemory` (`sharedMemory(params, { x: 0, y: 0 }, cpus)`) and reads
// and writes them through READ_ONCE/WRITE_ONCE and the other primitives below; every other field
// stays sequentially consistent.
//
// Under `tso` this is the operational x86-TSO model of Owens, Sarkar and Sewell, "A better x86
// memory model: x86-TSO", TPHOLs 2009 (and Sewell et al., "x86-TSO: a rigorous and usable
// programmer's model for x86 multiprocessors", CACM 2010): each CPU has a FIFO store buffer; a
// store goes into its CPU's buffer; a load reads the newest buffered store to the same address
// of its own CPU (store forwarding), else memory; the memory subsystem writes the oldest
// buffered store of some CPU to memory at any time, as a separate nondeterministic step (here:
// the steps of the thread `memoryThreads` adds), so the search explores every moment at which
// stores become visible; MFENCE (smp_mb) and LOCK'd instructions (xchg, cmpxchg, the atomic
// RMWs, lock acquisition) need an empty buffer. In the paper a fence waits until the memory
// subsystem has drained the buffer; here the fence's step drains it itself. Both reach the same
// states: any interleaving of the paper's drains with other CPUs' steps is still explored through
// the memory thread's drain steps before the fence, which then finds an empty buffer.
//
// The store buffers are bounded: `storeBuffer` entries per CPU (`kmc check --store-buffer K`).
// A store into a full buffer first writes the buffer's oldest store to memory (a behaviour x86
// has, so nothing spurious is explored), and behaviours in which more stores are pending at once
// are not explored: the step reports it (STORE_BUFFER_BOUND, heard by the search's coverage) and
// the run is then never verified (src/engine/result-builder.ts).
//
// What x86 does with the kernel's primitives (arch/x86/include/asm/barrier.h, cmpxchg.h):
//   READ_ONCE / smp_load_acquire           a plain load (x86 loads are not reordered with loads)
//   WRITE_ONCE / smp_store_release         a plain store into the store buffer
//   smp_mb / mb / smp_store_mb             MFENCE or a LOCK'd instruction: drains the buffer
//   smp_wmb / smp_rmb                      barrier() only: no effect on the buffer
//   smp_mb__before/after_atomic            barrier() only: the atomic is LOCK'd already
//   xchg, cmpxchg, atomic RMWs (all of     LOCK'd: drain, then read-modify-write in memory
//     _relaxed/_acquire/_release/full)     (x86 has no weaker forms: every one is LOCK'd)
//   set_current_state                      smp_store_mb: xchg, drains the buffer
//   __set_current_state                    WRITE_ONCE: stays in the buffer
//   spin_lock / mutex_lock                 LOCK'd RMW: drains (spinLockFence)
//   spin_unlock                            a plain store on x86: here it drains (spinUnlockFence)
// The unlock is the one place this is stronger than x86: the lock words of src/kernel are
// sequentially consistent, so the unlock must not become visible before the stores of the
// critical section still in the buffer (x86's FIFO buffer guarantees that); draining at the
// unlock keeps that order but also forbids a load after the unlock from passing those stores.
//
// Under `lkmm` it is an operational approximation of the Linux-kernel memory model (Alglave,
// Maranget, McKenney, Parri, Stern, "Frightening small children and disconcerting grown-ups:
// concurrency in the Linux kernel", ASPLOS 2018; tools/memory-model): the store buffers of tso,
// but stores to different variables may reach memory in any order (stores to one variable stay in
// order: coherence), i.e. store->store and store->load reordering (a PSO-like machine). Covered:
//   READ_ONCE/WRITE_ONCE; smp_mb (drains); smp_wmb (the CPU's earlier stores reach memory before
//   its later stores, and nothing else: later loads may pass earlier stores); smp_store_release
//   (it reaches memory after the CPU's earlier stores; later loads may pass it); smp_load_acquire
//   (loads are never reordered here); value-returning RMWs and _release forms drain everything
//   first, _relaxed/_acquire forms and the non-value-returning atomic_add/set_bit only the CPU's
//   stores to their own variable and those an smp_wmb/release orders before them (the RMW's write
//   is a store); a cmpxchg that fails is a plain load with no ordering of its
//   own (Documentation/atomic_t.txt); smp_mb__before/after_atomic order the CPU's next / last
//   RMW or cmpxchg as a full barrier (a failed one too: the kernel's
//   Documentation/litmus-tests/atomic/cmpxchg-fail-ordered-*); set_current_state drains,
//   __set_current_state does not; lock acquire and release drain.
// Stronger than herd7's LKMM (outcomes herd7 allows that this never reaches):
//   - loads execute in program order, with nothing reordered after a load (no load buffering: LB
//     allowed by herd7, never here; MP with smp_wmb but no smp_rmb; WRC and IRIW without
//     barriers). `kmc litmus` runs litmus tests with the reorderings LKMM allows between the
//     loads and stores of straight-line code (src/kernel/litmus.ts, out-of-order issue); a model's
//     steps are code, so a model's loads stay in order;
//   - stores become visible to all other CPUs at once (multi-copy atomic): herd7's LKMM is not,
//     so e.g. Z6.0 with locks or a release-acquire chain, and R with smp_wmb, are allowed by
//     herd7 and forbidden here;
//   - lock acquisition and release drain the buffer (a full barrier each);
//   - a relaxed RMW after an smp_wmb/smp_store_release writes memory after the stores ordered
//     before it have reached memory, so later loads do not pass those stores either;
//   - plain (non-marked) accesses and data races are not modelled, and address/control/data
//     dependencies need no modelling since nothing is reordered after a load.
// Weaker: nothing that we know of (checked against the kernel's own litmus tests: README, "Memory
// models"). So a violation under lkmm is a real LKMM behaviour (assuming the model follows the
// code), and `holds` under lkmm is not a proof for LKMM: it rules out store reorderings only.
//
// A thread's CPU is its local `cpu` (threadKind locals) when it has one, else its thread index:
// threads that share a CPU (a task and the interrupt handler that interrupts it) share a buffer.

import type { Draft, StepEnv, ThreadDef, IntParamSpec } from '../model/index.js';
import { intParam } from '../model/index.js';

/** The memory models, as the `memory` parameter's values. */
export const MEMORY_MODELS = ['sc', 'tso', 'lkmm'] as const;
export type MemoryModelName = (typeof MEMORY_MODELS)[number];

/** The coverage tag a store reports when the store-buffer bound cut behaviours (never a violation). */
export const STORE_BUFFER_BOUND = '$store-buffer-bound';

/** One CPU's FIFO store buffer: `n` pending stores, oldest first, of addresses `addr` (indices into the sorted variable names). */
export interface StoreBuffer {
  n: number;
  addr: number[];
  val: number[];
  /**
   * lkmm only (always 0 under tso): how many of the oldest entries were buffered before the CPU's
   * last relaxed RMW (what a later smp_mb__after_atomic must make visible), and whether an
   * smp_mb__before_atomic waits for the CPU's next RMW (which then drains everything).
   */
  mark: number;
  before: number;
  /**
   * lkmm only (all 0 under tso): the ordering group of each entry. smp_wmb and smp_store_release
   * order the CPU's earlier stores before its later ones (not before its later loads): the
   * stores after such a barrier get the next group, and a store reaches memory only while no
   * entry of an older group is pending. Group numbers start at 0 for the oldest entry (renumbered
   * as entries drain), unused slots are 0, so equal buffers pack equally.
   */
  grp: number[];
  /** lkmm only: 1 when an smp_wmb / release came after the newest entry (the next store starts a new group). */
  fence: number;
}

/** The shared variables `mem`, and (under tso and lkmm) one store buffer per CPU; under sc `sb` is empty. */
export interface SharedMemory<V extends Record<string, number> = Record<string, number>> {
  mem: V;
  sb: StoreBuffer[];
  /** The memory model, constant for a run: its index in MEMORY_MODELS (0 sc, 1 tso, 2 lkmm). */
  model: number;
}

/** The parameters a model with shared memory declares: `params: { ...memoryParams(), cpus: ... }`. */
export function memoryParams(memory: MemoryModelName = 'sc', storeBuffer = 2): { memory: IntParamSpec; storeBuffer: IntParamSpec } {
  return {
    memory: intParam(MEMORY_MODELS.indexOf(memory), 'memory model of the shared fields: 0 = sc, 1 = tso, 2 = lkmm (kmc check --memory sc|tso|lkmm)', { min: 0, max: MEMORY_MODELS.length - 1 }),
    storeBuffer: intParam(storeBuffer, 'store-buffer entries per CPU under tso (kmc check --store-buffer K)', { min: 1, max: 8 }),
  };
}

/** The memory model a run's parameters select ('sc' for a model that declares no memory parameter). */
export function memoryModelOf(params: Readonly<Record<string, number | boolean>>): MemoryModelName {
  const m = Object.hasOwn(params, 'memory') ? params['memory'] : 0;
  return typeof m === 'number' ? (MEMORY_MODELS[m] ?? 'sc') : 'sc';
}

/** The initial shared memory: `vars` (their initial values) and `cpus` empty store buffers under tso and lkmm. */
export function sharedMemory<V extends Record<string, number>>(params: { readonly memory: number | boolean; readonly storeBuffer: number | boolean }, vars: V, cpus: number): SharedMemory<V> {
  const model = Number(params.memory);
  if (!(model >= 0 && model < MEMORY_MODELS.length)) throw new Error(`memory model ${String(params.memory)} is not one of 0..${MEMORY_MODELS.length - 1} (${MEMORY_MODELS.join(', ')})`);
  const k = Number(params.storeBuffer);
  const sb = model > 0 ? Array.from({ length: cpus }, () => ({ n: 0, addr: new Array<number>(k).fill(0), val: new Array<number>(k).fill(0), mark: 0, before: 0, grp: new Array<number>(k).fill(0), fence: 0 })) : [];
  return { mem: { ...vars }, sb, model };
}

const LKMM = 2;
const isLkmm = (m: SharedMemory<any>): boolean => m.model === LKMM;

// Addresses: a variable's index among the sorted names (the packed layout's order too).
const namesCache = new Map<string, string[]>();
function namesOf(m: SharedMemory<any>): string[] {
  const keys = Object.keys(m.mem);
  const id = keys.join('\0');
  let sorted = namesCache.get(id);
  if (sorted === undefined) {
    sorted = [...keys].sort();
    namesCache.set(id, sorted);
  }
  return sorted;
}

function addressOf(m: SharedMemory<any>, x: string): number {
  const a = namesOf(m).indexOf(x);
  if (a < 0) throw new Error(`'${x}' is not a shared variable (declared: ${namesOf(m).join(', ')})`);
  return a;
}

/** The CPU whose store buffer a thread uses: its local `cpu`, else its thread index. */
export function cpuOf(env: Pick<StepEnv<any>, 'self' | 'local'>): number {
  const c = (env.local as { cpu?: unknown }).cpu;
  return typeof c === 'number' ? c : env.self;
}

function bufferOf(m: SharedMemory<any>, env: Pick<StepEnv<any>, 'self' | 'local'>): StoreBuffer | undefined {
  if (m.sb.length === 0) return undefined;
  const c = cpuOf(env);
  const b = m.sb[c];
  if (b === undefined) throw new Error(`no store buffer for CPU ${c} (the shared memory has ${m.sb.length})`);
  return b;
}

function write(m: SharedMemory<any>, a: number, v: number): void {
  (m.mem as Record<string, number>)[namesOf(m)[a]!] = v;
}

/** The memory subsystem writes the oldest store of `b` to memory. */
function drainOldest(m: SharedMemory<any>, b: StoreBuffer): void {
  drainAt(m, b, 0);
}

/** The index of the oldest store to address `a` in `b`, or -1. */
function oldestTo(b: StoreBuffer, a: number): number {
  for (let i = 0; i < b.n; i++) if (b.addr[i] === a) return i;
  return -1;
}

/** The index of the newest store to address `a` in `b`, or -1. */
function newestTo(b: StoreBuffer, a: number): number {
  for (let i = b.n - 1; i >= 0; i--) if (b.addr[i] === a) return i;
  return -1;
}

/** Entry `k` of `b` reaches memory; the later entries keep their order. */
function drainAt(m: SharedMemory<any>, b: StoreBuffer, k: number): void {
  write(m, b.addr[k]!, b.val[k]!);
  for (let i = k + 1; i < b.n; i++) {
    b.addr[i - 1] = b.addr[i]!;
    b.val[i - 1] = b.val[i]!;
    b.grp[i - 1] = b.grp[i]!;
  }
  b.n -= 1;
  if (k < b.mark) b.mark -= 1;
  // Unused slots are zero, so equal buffers pack equally; groups count from the oldest entry's.
  b.addr[b.n] = 0;
  b.val[b.n] = 0;
  b.grp[b.n] = 0;
  const g0 = b.n > 0 ? b.grp[0]! : 0;
  if (g0 > 0) for (let i = 0; i < b.n; i++) b.grp[i] = b.grp[i]! - g0;
  if (b.n === 0) b.fence = 0;
}

/** lkmm: the index of the store to address `a` that may reach memory next (the oldest to `a`, if no older group is pending), or -1. */
function drainableTo(b: StoreBuffer, a: number): number {
  const k = oldestTo(b, a);
  return k >= 0 && b.grp[k] === b.grp[0] ? k : -1;
}

function drainAll(m: SharedMemory<any>, b: StoreBuffer | undefined): void {
  if (b !== undefined) while (b.n > 0) drainOldest(m, b);
}

/** A plain store (WRITE_ONCE): into the CPU's store buffer under tso. */
function store(m: SharedMemory<any>, x: string, v: number, env: StepEnv<any>): void {
  const a = addressOf(m, x);
  const b = bufferOf(m, env);
  if (b === undefined) return write(m, a, v);
  if (b.n === b.addr.length) {
    // The bound: the oldest store goes to memory first (x86 may do that), and the behaviours in
    // which it stayed pending are not explored: say so (never a violation: the condition is false).
    env.warnOn(false, STORE_BUFFER_BOUND);
    drainOldest(m, b);
  }
  b.addr[b.n] = a;
  b.val[b.n] = v;
  b.grp[b.n] = b.n === 0 ? 0 : b.grp[b.n - 1]! + b.fence;
  b.fence = 0;
  b.n += 1;
}

/** A plain load (READ_ONCE): the newest store to `x` in the CPU's own buffer, else memory. Only reads: usable in guards. */
function load(m: SharedMemory<any>, x: string, env: Pick<StepEnv<any>, 'self' | 'local'>): number {
  const a = addressOf(m, x);
  const b = bufferOf(m, env);
  if (b !== undefined) for (let i = b.n - 1; i >= 0; i--) if (b.addr[i] === a) return b.val[i]!;
  return (m.mem as Record<string, number>)[x]!;
}

type Mem<V extends Record<string, number>> = SharedMemory<V> | Draft<SharedMemory<V>>;
type Name<V> = keyof V & string;
type Reader = Pick<StepEnv<any>, 'self' | 'local'>;
const sm = <V extends Record<string, number>>(m: Mem<V>) => m as SharedMemory<V>;

/**
 * Drains what a relaxed RMW of `x` must follow (lkmm): the CPU's stores to `x` (coherence), and
 * every store an smp_wmb/smp_store_release orders before it (the RMW's write is a store: the
 * groups older than the one it joins, all of them after a barrier with nothing stored since).
 * The RMW writes memory at once, so these go first (stronger than herd7: a later load then does
 * not pass them either).
 */
function drainAddress(m: SharedMemory<any>, x: string, env: Reader): void {
  const b = bufferOf(m, env);
  if (b === undefined) return;
  while (b.n > 0 && (b.fence === 1 || b.grp[b.n - 1]! > b.grp[0]!)) drainAt(m, b, 0);
  const a = addressOf(m, x);
  // The stores of groups older than the newest store to x reach memory first (a barrier's order).
  for (let k = newestTo(b, a); k >= 0 && b.grp[k]! > b.grp[0]!; k = newestTo(b, a)) drainAt(m, b, 0);
  for (let k = oldestTo(b, a); k >= 0; k = oldestTo(b, a)) drainAt(m, b, k);
}

/** Orders every earlier store of the CPU before what follows: the buffer drains. */
function fullFence(m: SharedMemory<any>, env: Reader): void {
  drainAll(m, bufferOf(m, env));
}

/**
 * lkmm's store->store barrier (smp_wmb, and the release half of smp_store_release): the CPU's
 * earlier stores reach memory before its later ones; later loads are not held back. Under tso
 * nothing: the FIFO buffer keeps stores in order already.
 */
function storeStoreFence(m: SharedMemory<any>, env: Reader): void {
  const b = bufferOf(m, env);
  if (isLkmm(m) && b !== undefined && b.n > 0) b.fence = 1;
}

export function READ_ONCE<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, env: Reader): number {
  return load(sm(m), x, env);
}

export function WRITE_ONCE<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, v: number, env: StepEnv<any>): void {
  store(sm(m), x, v, env);
}

/** smp_load_acquire: a plain load (tso and this lkmm never reorder a load with a later access). */
export function smp_load_acquire<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, env: Reader): number {
  return load(sm(m), x, env);
}

/**
 * smp_store_release: tso: a plain store (FIFO keeps it after earlier stores); lkmm: it reaches
 * memory only after the CPU's earlier stores (its earlier loads are done already: loads run in
 * order here); later loads may pass it, as in herd7.
 */
export function smp_store_release<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, v: number, env: StepEnv<any>): void {
  storeStoreFence(sm(m), env);
  store(sm(m), x, v, env);
}

/** smp_mb / mb: MFENCE (or a LOCK'd add): the CPU's store buffer is drained. */
export function smp_mb(m: Mem<any>, env: Reader): void {
  fullFence(sm(m), env);
}

/** smp_wmb: tso: a compiler barrier only (stores leave the buffer in order); lkmm: orders the CPU's earlier stores before its later stores, and nothing else. */
export function smp_wmb(m: Mem<any>, env: Reader): void {
  storeStoreFence(sm(m), env);
}

/** smp_rmb: a compiler barrier only under tso and this lkmm (loads are never reordered with loads here). */
export function smp_rmb(_m: Mem<any>, _env: Reader): void {}

/**
 * smp_mb__before_atomic: tso: a compiler barrier (the atomic is LOCK'd and drains); lkmm: the
 * CPU's next RMW is fully ordered (drains everything first). Without an RMW after it, nothing.
 */
export function smp_mb__before_atomic(m: Mem<any>, env: Reader): void {
  const mm = sm(m);
  const b = bufferOf(mm, env);
  if (isLkmm(mm) && b !== undefined) b.before = 1;
}

/**
 * smp_mb__after_atomic: tso: a compiler barrier (the atomic before it was LOCK'd); lkmm: what was
 * stored before the CPU's last relaxed RMW becomes visible (a fully ordered RMW drained it
 * already). Without an RMW before it, nothing.
 */
export function smp_mb__after_atomic(m: Mem<any>, env: Reader): void {
  const mm = sm(m);
  const b = bufferOf(mm, env);
  if (!isLkmm(mm) || b === undefined) return;
  while (b.mark > 0) drainAt(mm, b, 0);
}

/** smp_store_mb(x, v): WRITE_ONCE then a full barrier (x86: xchg): v is in memory afterwards. */
export function smp_store_mb<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, v: number, env: StepEnv<any>): void {
  store(sm(m), x, v, env);
  smp_mb(m, env);
}

/**
 * The ordering an atomic read-modify-write gives: 'full' (value-returning RMWs: xchg, cmpxchg,
 * atomic_*_return, test_and_set_bit), 'relaxed' (_relaxed forms and the non-value-returning
 * atomic_inc, set_bit...), 'acquire', 'release'. x86 LOCKs every one (tso: all drain); under lkmm a
 * relaxed or acquire RMW drains only the CPU's stores to its own variable, a release or full one
 * drains every earlier store.
 */
export type RmwOrder = 'full' | 'relaxed' | 'acquire' | 'release';

function rmw<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, order: RmwOrder, f: (old: number) => number, env: StepEnv<any>): number {
  const mm = sm(m);
  const b = bufferOf(mm, env);
  if (!isLkmm(mm) || order === 'full' || order === 'release' || b?.before === 1) fullFence(mm, env);
  else drainAddress(mm, x, env);
  if (b !== undefined && isLkmm(mm)) {
    b.before = 0;
    // What a later smp_mb__after_atomic orders: every store still buffered before this RMW.
    b.mark = b.n;
  }
  const old = (mm.mem as Record<string, number>)[x]!;
  write(mm, addressOf(mm, x), f(old));
  return old;
}

/** xchg: returns the old value (fully ordered). */
export function xchg<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, v: number, env: StepEnv<any>): number {
  return rmw(m, x, 'full', () => v, env);
}
export function xchg_relaxed<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, v: number, env: StepEnv<any>): number {
  return rmw(m, x, 'relaxed', () => v, env);
}
export function xchg_acquire<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, v: number, env: StepEnv<any>): number {
  return rmw(m, x, 'acquire', () => v, env);
}
export function xchg_release<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, v: number, env: StepEnv<any>): number {
  return rmw(m, x, 'release', () => v, env);
}

/**
 * cmpxchg and its forms: stores `v` only when `x` equalled `old`; returns the value found. Under
 * lkmm a cmpxchg that fails is a plain load with no ordering of its own (Documentation/atomic_t.txt;
 * the kernel's Documentation/litmus-tests/atomic/cmpxchg-fail-unordered-1/2: Sometimes), but an
 * smp_mb__after_atomic() after it orders what came before it as after an RMW
 * (cmpxchg-fail-ordered-1/2: Never), and an smp_mb__before_atomic() before it drains the buffer
 * as before an RMW (possibly stronger than herd7). One that succeeds is an RMW of its ordering.
 * Under tso it is LOCK'd either way (x86: drains).
 */
function cmpxchgOrdered<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, old: number, v: number, order: RmwOrder, env: StepEnv<any>): number {
  const mm = sm(m);
  const b = bufferOf(mm, env);
  if (isLkmm(mm)) {
    const seen = load(mm, x, env);
    if (seen !== old) {
      if (b !== undefined) {
        if (b.before === 1) fullFence(mm, env);
        b.before = 0;
        b.mark = b.n;
      }
      return seen;
    }
  }
  return rmw(m, x, order, (cur) => (cur === old ? v : cur), env);
}
export function cmpxchg<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, old: number, v: number, env: StepEnv<any>): number {
  return cmpxchgOrdered(m, x, old, v, 'full', env);
}
export function cmpxchg_relaxed<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, old: number, v: number, env: StepEnv<any>): number {
  return cmpxchgOrdered(m, x, old, v, 'relaxed', env);
}
export function cmpxchg_acquire<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, old: number, v: number, env: StepEnv<any>): number {
  return cmpxchgOrdered(m, x, old, v, 'acquire', env);
}
export function cmpxchg_release<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, old: number, v: number, env: StepEnv<any>): number {
  return cmpxchgOrdered(m, x, old, v, 'release', env);
}

/** atomic_fetch_add (and its _relaxed/_acquire/_release forms with `order`): returns the old value. */
export function atomic_fetch_add<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, d: number, env: StepEnv<any>, order: RmwOrder = 'full'): number {
  return rmw(m, x, order, (cur) => cur + d, env);
}

/** atomic_add / atomic_inc (no return value: unordered in the kernel's model, LOCK'd on x86). */
export function atomic_add<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, d: number, env: StepEnv<any>): void {
  rmw(m, x, 'relaxed', (cur) => cur + d, env);
}

/** set_bit(bit, x) (no return value: unordered in the kernel's model, LOCK bts on x86). */
export function set_bit<V extends Record<string, number>>(m: Mem<V>, bit: number, x: Name<V>, env: StepEnv<any>): void {
  rmw(m, x, 'relaxed', (cur) => cur | (1 << bit), env);
}

/** clear_bit(bit, x) (no return value: unordered in the kernel's model, LOCK btr on x86). */
export function clear_bit<V extends Record<string, number>>(m: Mem<V>, bit: number, x: Name<V>, env: StepEnv<any>): void {
  rmw(m, x, 'relaxed', (cur) => cur & ~(1 << bit), env);
}

/** test_and_clear_bit(bit, x) (value-returning: fully ordered): returns whether the bit was set. */
export function test_and_clear_bit<V extends Record<string, number>>(m: Mem<V>, bit: number, x: Name<V>, env: StepEnv<any>): boolean {
  return (rmw(m, x, 'full', (cur) => cur & ~(1 << bit), env) & (1 << bit)) !== 0;
}

/** test_and_set_bit(bit, x) (value-returning: fully ordered): returns whether the bit was set. */
export function test_and_set_bit<V extends Record<string, number>>(m: Mem<V>, bit: number, x: Name<V>, env: StepEnv<any>): boolean {
  return (rmw(m, x, 'full', (cur) => cur | (1 << bit), env) & (1 << bit)) !== 0;
}

/** set_current_state(s): smp_store_mb(current->__state, s): the state store is in memory before any later load. */
export function set_current_state<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, state: number, env: StepEnv<any>): void {
  smp_store_mb(m, x, state, env);
}

/** __set_current_state(s): WRITE_ONCE(current->__state, s): no barrier, the store may wait in the buffer. */
export function __set_current_state<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, state: number, env: StepEnv<any>): void {
  store(sm(m), x, state, env);
}

/** What spin_lock / mutex_lock do to the buffer (a LOCK'd RMW acquires the lock word): call it in the lock step. */
export function spinLockFence(m: Mem<any>, env: Reader): void {
  smp_mb(m, env);
}

/** What spin_unlock does here: drains, since the lock word is sequentially consistent (see the header). */
export function spinUnlockFence(m: Mem<any>, env: Reader): void {
  smp_mb(m, env);
}

/** Each CPU's pending stores, oldest first, as `x=1`: for reports ('' when every buffer is empty or under sc). */
export function describeStoreBuffers(m: SharedMemory<any>): string {
  const names = namesOf(m);
  return m.sb
    // lkmm: ' | ' between stores an smp_wmb or a release keeps in order.
    .map((b, c) => (b.n === 0 ? '' : `cpu${c}: ${Array.from({ length: b.n }, (_, i) => `${i === 0 ? '' : b.grp[i] !== b.grp[i - 1] ? ' | ' : ', '}${names[b.addr[i]!]}=${b.val[i]}`).join('')}`))
    .filter(Boolean)
    .join('; ');
}

/**
 * The memory subsystem of x86-TSO: one thread whose steps each write the oldest pending store of
 * one CPU to memory (nondeterministically, whenever that buffer is not empty). It idles at an end
 * location, so finished programs with empty buffers are not deadlocks. Under sc: no thread.
 */
export function memoryThreads<S>(init: S, at: (s: S | Draft<S>) => SharedMemory<any>): ThreadDef<S>[] {
  const m0 = at(init);
  const cpus = m0.sb.length;
  if (cpus === 0) return [];
  if (!isLkmm(m0))
    return [
      {
        name: 'tso/memory',
        kind: 'memory',
        program: [
          {
            id: 'drain',
            end: true,
            actions: Array.from({ length: cpus }, (_, c) => ({
              label: `x86-TSO: cpu${c}'s oldest buffered store reaches memory`,
              fn: 'x86-TSO',
              guard: (s: S) => at(s).sb[c]!.n > 0,
              run: (d: Draft<S>) => drainOldest(at(d), at(d).sb[c]!),
              tags: ['memory:drain'],
              next: 'drain',
            })),
          },
        ],
      },
    ];
  // lkmm: stores to different variables reach memory in any order, those to one variable in
  // order, and none before a store of an older group (smp_wmb, smp_store_release).
  const names = namesOf(m0);
  return [
    {
      name: 'lkmm/memory',
      kind: 'memory',
      program: [
        {
          id: 'drain',
          end: true,
          actions: Array.from({ length: cpus }, (_, c) =>
            names.map((x, a) => ({
              label: `lkmm: cpu${c}'s oldest buffered store to ${x} reaches memory`,
              fn: 'lkmm',
              guard: (s: S) => drainableTo(at(s).sb[c]!, a) >= 0,
              run: (d: Draft<S>) => drainAt(at(d), at(d).sb[c]!, drainableTo(at(d).sb[c]!, a)),
              tags: ['memory:drain'],
              next: 'drain',
            })),
          ).flat(),
        },
      ],
    },
  ];
}

/** Is `v` a SharedMemory with store buffers (tso)? Recognised by shape, for reports and traces. */
function isBuffered(v: unknown): v is SharedMemory {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== 3 || !Object.hasOwn(o, 'mem') || !Object.hasOwn(o, 'model') || !Object.hasOwn(o, 'sb') || !Array.isArray(o['sb']) || o['sb'].length === 0) return false;
  return (o['sb'] as unknown[]).every((b) => b !== null && typeof b === 'object' && Object.hasOwn(b, 'n') && Array.isArray((b as StoreBuffer).addr) && Array.isArray((b as StoreBuffer).val));
}

/** The shared memories with store buffers in a state, by path ('m', 'pi.mem'). */
export function storeBufferPaths(vars: unknown, path = ''): string[] {
  if (isBuffered(vars)) return [path];
  if (vars === null || typeof vars !== 'object') return [];
  return Object.entries(vars as Record<string, unknown>).flatMap(([k, v]) => storeBufferPaths(v, Array.isArray(vars) ? `${path}[${k}]` : path ? `${path}.${k}` : k));
}

/**
 * The stores still pending in a state's store buffers, as `cpu0: x=1, y=2; cpu1: z=1` (prefixed
 * by the memory's path when a state has several), '' when every buffer is empty; undefined when
 * the state has no store buffers (sc, or no shared memory).
 */
export function storeBuffersIn(vars: unknown): string | undefined {
  const paths = storeBufferPaths(vars);
  if (paths.length === 0) return undefined;
  const at = (p: string): SharedMemory => (p === '' ? vars : p.split('.').reduce<any>((o, k) => o[k], vars)) as SharedMemory;
  return paths
    .map((p) => {
      const d = describeStoreBuffers(at(p));
      return d && paths.length > 1 ? `${p}: ${d}` : d;
    })
    .filter(Boolean)
    .join('; ');
}

/** Does a change's path name a store-buffer slot of one of these memories (`m.sb[0].val[1]`)? */
export function isStoreBufferSlot(changePath: string, memories: readonly string[]): boolean {
  return memories.some((p) => changePath.startsWith(p === '' ? 'sb[' : `${p}.sb[`));
}
