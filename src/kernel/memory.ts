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
// concurrency in the Linux kernel", ASPLOS 2018; tools/memory-model, explanation.txt): the store
// buffers of tso, but stores to different variables may leave them in any order (stores to one
// variable stay in order: coherence), and a store that left its buffer is not seen by every CPU
// at once: it reaches each other CPU on its own, as a step of the memory thread (not
// multi-copy atomic; the propagation section below). Covered:
//   READ_ONCE/WRITE_ONCE; smp_wmb (the CPU's earlier stores leave its buffer and reach every CPU
//   before its later stores; later loads may pass them; not A-cumulative); smp_store_release (the
//   same, and A-cumulative: every store its CPU had seen reaches a CPU before the release does);
//   smp_load_acquire (loads are never reordered here); strong fences (smp_mb, smp_store_mb,
//   set_current_state, value-returning RMWs, smp_mb__before_atomic before an RMW and
//   smp_mb__after_atomic after one, a model's lock acquisition and release): the buffer drains
//   and everything the CPU has seen reaches every CPU (B-cumulative); _relaxed/_acquire RMWs and
//   atomic_add/set_bit commit only the CPU's stores to their own variable and those an
//   smp_wmb/release orders before them, read the newest store to their variable and order
//   nothing else; _release RMWs are A-cumulative like a release store; a cmpxchg that fails is a
//   plain load (Documentation/atomic_t.txt), but smp_mb__before/after_atomic around it are strong
//   fences (the kernel's Documentation/litmus-tests/atomic/cmpxchg-fail-ordered-*);
//   __set_current_state is a plain store. Litmus tests' spinlocks (spin_lock_ordered) are an
//   acquire and a release: the lock sees what its last unlock had seen, and stores after a lock
//   reach every CPU after the stores before an unlock of that lock, or before an earlier unlock
//   on the same CPU (po-unlock-lock-po), with no strong fence (Z6.0+pooncelock+pooncelock).
// Stronger than herd7's LKMM (outcomes herd7 allows that this never reaches):
//   - loads execute in program order, with nothing reordered after a load (no load buffering: LB
//     allowed by herd7, never here; MP with smp_wmb but no smp_rmb). `kmc litmus` runs litmus
//     tests with the reorderings LKMM allows between the loads and stores of straight-line code
//     (src/kernel/litmus.ts, out-of-order issue); a model's steps are code, so a model's loads
//     stay in order;
//   - a model's lock acquisition and release (spinLockFence/spinUnlockFence) are strong fences;
//     litmus locks commit the CPU's buffered stores at the lock and the unlock (to the coherence
//     order only: other CPUs still see them late);
//   - a relaxed RMW after an smp_wmb/smp_store_release commits the stores ordered before it, so
//     later loads do not pass those stores either; an RMW's read makes the store it reads reach
//     its CPU with what that store needs;
//   - a store that left its buffer carries as its needs its CPU's view at that moment for a
//     release (not at the release's execution), and its CPU is made to see the needs of its own
//     store (which matters only for stores it never saw because it saw a newer one first);
//   - a variable's pending stores are bounded (storeBuffer plus one per other CPU), as the
//     buffers are: past the bound the oldest reaches every CPU first and the run says the bound cut;
//   - plain (non-marked) accesses and data races are not modelled, and address/control/data
//     dependencies need no modelling since nothing is reordered after a load.
// Weaker: nothing that we know of (checked against the kernel's own litmus tests: README, "Memory
// models", all 36 in kmc's fragment agree with herd7). So a violation under lkmm is a real LKMM
// behaviour (assuming the model follows the code), and `holds` under lkmm is not a proof for LKMM
// where loads would have to be reordered.
//
// A thread's CPU is its local `cpu` (threadKind locals) when it has one, else its thread index:
// threads that share a CPU (a task and the interrupt handler that interrupts it) share a buffer.

import type { Draft, StepEnv, ThreadDef, IntParamSpec } from '../model/index.js';
import { intParam } from '../model/index.js';
import { declareStraight, notStraight as refuse, slotIndex as keyIndex, slotKey as keyAt } from '../model/straight.js';

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
  /** lkmm only: 1 for each entry that is a release store (A-cumulative when it leaves the buffer). */
  rel?: number[];
  /**
   * lkmm only, one entry per variable (indices into the shared memory's `pw`): how many of the
   * variable's pending stores have reached this CPU (it reads the newest of them; 0: memory's value).
   */
  view?: number[];
  /** lkmm only, per variable: the CPU's own newest pending store to it (its 1-based index in `pw`, 0 when none). */
  own?: number[];
  /**
   * lkmm only, per variable: the stores every later store of this CPU must follow to every other
   * CPU (cumul-fence: its own stores before an smp_wmb / release, and those before an unlock it
   * acquired the lock after).
   */
  fv?: number[];
  /** lkmm only: 1 once the CPU ran an RMW (smp_mb__after_atomic is then a strong fence). */
  rmw?: number;
}

/**
 * lkmm only: one variable's stores that have left their CPU's buffer (they are in coherence
 * order, oldest first) but have not yet reached every CPU; memory holds the value of the newest
 * store that has. `pre` holds, per pending store, a view (one count per variable, as
 * StoreBuffer.view) that must have reached a CPU before the store may (cumulativity).
 */
export interface PendingStores {
  n: number;
  val: number[];
  /** `pre[i * vars + y]`: the count of variable y's pending stores that store i needs a CPU to have seen first. */
  pre: number[];
}

/** lkmm only: what an unlock of a lock published (the unlocking CPU's view, and its own stores), for the next acquirer. */
export interface LockView {
  view: number[];
  own: number[];
}

/** The shared variables `mem`, and (under tso and lkmm) one store buffer per CPU; under sc `sb` is empty. */
export interface SharedMemory<V extends Record<string, number> = Record<string, number>> {
  mem: V;
  sb: StoreBuffer[];
  /** The memory model, constant for a run: its index in MEMORY_MODELS (0 sc, 1 tso, 2 lkmm). */
  model: number;
  /** lkmm only: each variable's stores not yet seen by every CPU (non-multi-copy-atomic propagation). */
  pw?: PendingStores[];
  /** lkmm only, when the memory has locks (litmus tests): what each lock's last unlock published. */
  lk?: LockView[];
  /** lkmm only, with `lk`: per CPU, its own stores at its last unlock (of any lock), which its stores after its next lock follow. */
  ul?: number[][];
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
export function sharedMemory<V extends Record<string, number>>(params: { readonly memory: number | boolean; readonly storeBuffer: number | boolean }, vars: V, cpus: number, options: { locks?: number } = {}): SharedMemory<V> {
  const model = Number(params.memory);
  if (!(model >= 0 && model < MEMORY_MODELS.length)) throw new Error(`memory model ${String(params.memory)} is not one of 0..${MEMORY_MODELS.length - 1} (${MEMORY_MODELS.join(', ')})`);
  const k = Number(params.storeBuffer);
  const nv = Object.keys(vars).length;
  const zeros = (n: number) => new Array<number>(n).fill(0);
  const sb: StoreBuffer[] =
    model > 0
      ? Array.from({ length: cpus }, () => ({
          n: 0, addr: zeros(k), val: zeros(k), mark: 0, before: 0, grp: zeros(k), fence: 0,
          ...(model === LKMM ? { rel: zeros(k), view: zeros(nv), own: zeros(nv), fv: zeros(nv), rmw: 0 } : {}),
        }))
      : [];
  if (model !== LKMM) return { mem: { ...vars }, sb, model };
  // Each variable may have as many stores pending propagation as a buffer holds, and one more for
  // each other CPU (so every CPU may have one store to it on its way); past that the bound cuts.
  const h = k + cpus - 1;
  const pw = Array.from({ length: nv }, () => ({ n: 0, val: zeros(h), pre: zeros(h * nv) }));
  const locks = options.locks ?? 0;
  return { mem: { ...vars }, sb, model, pw, ...(locks > 0 ? { lk: Array.from({ length: locks }, () => ({ view: zeros(nv), own: zeros(nv) })), ul: sb.map(() => zeros(nv)) } : {}) };
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

/** What reports a cut by the bound: the step's warnOn (absent in pure reads, which never cut). */
type Warn = Partial<Pick<StepEnv<any>, 'warnOn'>>;

/** The memory subsystem writes the oldest store of `b` to memory (lkmm: to the coherence order). */
function drainOldest(m: SharedMemory<any>, b: StoreBuffer, warn: Warn): void {
  drainAt(m, b, 0, warn);
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

/** Entry `k` of `b` reaches memory (lkmm: leaves the buffer, seen by its own CPU only); the later entries keep their order. */
function drainAt(m: SharedMemory<any>, b: StoreBuffer, k: number, warn: Warn): void {
  if (isLkmm(m)) commit(m, b, b.addr[k]!, b.val[k]!, b.rel![k] === 1, warn);
  else write(m, b.addr[k]!, b.val[k]!);
  for (let i = k + 1; i < b.n; i++) {
    b.addr[i - 1] = b.addr[i]!;
    b.val[i - 1] = b.val[i]!;
    b.grp[i - 1] = b.grp[i]!;
    if (b.rel !== undefined) b.rel[i - 1] = b.rel[i]!;
  }
  b.n -= 1;
  if (k < b.mark) b.mark -= 1;
  // Unused slots are zero, so equal buffers pack equally; groups count from the oldest entry's.
  b.addr[b.n] = 0;
  b.val[b.n] = 0;
  b.grp[b.n] = 0;
  if (b.rel !== undefined) b.rel[b.n] = 0;
  const g0 = b.n > 0 ? b.grp[0]! : 0;
  // An smp_wmb / release group left the buffer entirely: the CPU's later stores follow its stores so far.
  if (b.fv !== undefined && (g0 > 0 || (b.n === 0 && b.fence === 1))) joinInto(b.fv, b.own!);
  if (g0 > 0) for (let i = 0; i < b.n; i++) b.grp[i] = b.grp[i]! - g0;
  if (b.n === 0) b.fence = 0;
}

// ---- lkmm: propagation to each CPU (not multi-copy atomic) ----
//
// A store that leaves its CPU's buffer takes its place in the coherence order of its variable
// (after every store to it that left a buffer before) and is seen by its own CPU; it then reaches
// each other CPU separately, as a step of the memory thread (`pw`, the pending stores). A CPU's
// `view` counts, per variable, the pending stores that reached it: it reads the newest of them.
// A store reaching a CPU may pass older pending stores to the same variable (coherence: the CPU
// never sees them afterwards; explanation.txt, "a store that is co-earlier ... is ignored"), so
// what reached a CPU is a prefix of each variable's pending stores. Once every CPU's view covers
// a variable's oldest pending store, memory takes its value and it is dropped.
//
// Cumulativity (explanation.txt, "cumul-fence"): a store carries a view `pre` that a CPU must
// have seen before the store may reach it: its CPU's own stores ordered before it by smp_wmb or
// a release (fv), the stores before an unlock whose lock the CPU took since (po-unlock-lock-po),
// and, for a release store (A-cumulative), everything its CPU had seen when it left the buffer;
// each closed under the `pre` of the stores it names (cumul-fence is transitive). A strong fence
// (smp_mb, fully ordered RMWs, smp_mb__after_atomic after an RMW, smp_store_mb,
// set_current_state, and here every lock acquisition and release in a model) commits the CPU's
// buffer, then makes everything its CPU has seen reach every CPU before it completes (B-cumulative).

const joinInto = (into: number[], from: readonly number[]): void => {
  for (let y = 0; y < into.length; y++) if (from[y]! > into[y]!) into[y] = from[y]!;
};

/** `view` closed under the `pre` of every pending store it covers (cumul-fence*). */
function closure(m: SharedMemory<any>, view: number[]): number[] {
  const pw = m.pw!;
  const nv = pw.length;
  for (let changed = true; changed; ) {
    changed = false;
    for (let a = 0; a < nv; a++)
      for (let i = 0; i < Math.min(view[a]!, pw[a]!.n); i++)
        for (let y = 0; y < nv; y++) {
          const need = pw[a]!.pre[i * nv + y]!;
          if (need > view[y]!) {
            view[y] = need;
            changed = true;
          }
        }
  }
  return view;
}

/** The store `v` to address `a` leaves CPU `b`'s buffer: it joins the coherence order, seen by its CPU only. */
function commit(m: SharedMemory<any>, b: StoreBuffer, a: number, v: number, release: boolean, warn: Warn): void {
  const pw = m.pw!;
  const nv = pw.length;
  const p = pw[a]!;
  if (p.n === p.val.length) {
    // The bound: the variable's oldest pending store reaches every CPU first; the behaviours in
    // which it stayed pending longer are not explored: say so (never a violation).
    warn.warnOn?.(false, STORE_BUFFER_BOUND);
    const need = p.pre.slice(0, nv);
    need[a] = Math.max(need[a]!, 1);
    reachEveryCpu(m, need);
  }
  const pre = [...b.fv!];
  if (release) joinInto(pre, b.view!);
  closure(m, pre);
  // The CPU has seen what its store needs (it is its own order); then its store.
  joinInto(b.view!, pre);
  const i = p.n;
  p.val[i] = v;
  for (let y = 0; y < nv; y++) p.pre[i * nv + y] = y === a ? Math.min(pre[y]!, i) : pre[y]!;
  p.n = i + 1;
  b.view![a] = i + 1;
  b.own![a] = i + 1;
  dropSeen(m);
}

/** Every CPU sees (at least) `need`, a view closed under `pre`; stores seen everywhere are dropped. */
function reachEveryCpu(m: SharedMemory<any>, need: readonly number[]): void {
  for (const d of m.sb) joinInto(d.view!, need);
  dropSeen(m);
}

/** Memory takes the value of each variable's oldest pending store once every CPU has seen it; views shift down. */
function dropSeen(m: SharedMemory<any>): void {
  const pw = m.pw!;
  const nv = pw.length;
  const down = (v: number[], a: number) => {
    if (v[a]! > 0) v[a] = v[a]! - 1;
  };
  for (let a = 0; a < nv; a++) {
    const p = pw[a]!;
    while (p.n > 0 && m.sb.every((d) => d.view![a]! >= 1)) {
      write(m, a, p.val[0]!);
      for (let i = 1; i < p.n; i++) {
        p.val[i - 1] = p.val[i]!;
        for (let y = 0; y < nv; y++) p.pre[(i - 1) * nv + y] = p.pre[i * nv + y]!;
      }
      p.n -= 1;
      p.val[p.n] = 0;
      for (let y = 0; y < nv; y++) p.pre[p.n * nv + y] = 0;
      for (const d of m.sb) {
        down(d.view!, a);
        down(d.own!, a);
        down(d.fv!, a);
      }
      for (const q of pw) for (let i = 0; i < q.n; i++) if (q.pre[i * nv + a]! > 0) q.pre[i * nv + a] = q.pre[i * nv + a]! - 1;
      for (const l of m.lk ?? []) {
        down(l.view, a);
        down(l.own, a);
      }
      for (const u of m.ul ?? []) down(u, a);
    }
  }
}

/** May the `k`-th (1-based) pending store to `a` reach the CPU of `d` now (it has not, and what it needs has)? */
function canReach(m: SharedMemory<any>, d: StoreBuffer, a: number, k: number): boolean {
  const pw = m.pw!;
  const nv = pw.length;
  if (k > pw[a]!.n || d.view![a]! >= k) return false;
  for (let y = 0; y < nv; y++) if (d.view![y]! < pw[a]!.pre[(k - 1) * nv + y]!) return false;
  return true;
}

/** The `k`-th pending store to `a` reaches the CPU of `d` (passing the older ones it has not seen). */
function reach(m: SharedMemory<any>, d: StoreBuffer, a: number, k: number): void {
  d.view![a] = k;
  dropSeen(m);
}

/** A strong fence's B-cumulativity: everything CPU `b` has seen reaches every CPU (lkmm; after its buffer drained). */
function strongPropagation(m: SharedMemory<any>, b: StoreBuffer | undefined): void {
  if (isLkmm(m) && b !== undefined) reachEveryCpu(m, [...b.view!]);
}

/** Is nothing pending anywhere: every store buffer empty and (lkmm) every store seen by every CPU? */
export function quiescent(m: SharedMemory<any>): boolean {
  return m.sb.every((b) => b.n === 0) && (m.pw ?? []).every((p) => p.n === 0);
}

/** lkmm: the index of the store to address `a` that may reach memory next (the oldest to `a`, if no older group is pending), or -1. */
function drainableTo(b: StoreBuffer, a: number): number {
  const k = oldestTo(b, a);
  return k >= 0 && b.grp[k] === b.grp[0] ? k : -1;
}

function drainAll(m: SharedMemory<any>, b: StoreBuffer | undefined, warn: Warn): void {
  if (b !== undefined) while (b.n > 0) drainOldest(m, b, warn);
}

/** A plain store (WRITE_ONCE): into the CPU's store buffer under tso. */
function store(m: SharedMemory<any>, x: string, v: number, env: StepEnv<any>, release = false): void {
  const a = addressOf(m, x);
  const b = bufferOf(m, env);
  if (b === undefined) return write(m, a, v);
  if (b.n === b.addr.length) {
    // The bound: the oldest store goes to memory first (x86 may do that), and the behaviours in
    // which it stayed pending are not explored: say so (never a violation: the condition is false).
    env.warnOn(false, STORE_BUFFER_BOUND);
    drainOldest(m, b, env);
  }
  b.addr[b.n] = a;
  b.val[b.n] = v;
  b.grp[b.n] = b.n === 0 ? 0 : b.grp[b.n - 1]! + b.fence;
  if (b.rel !== undefined) b.rel[b.n] = release ? 1 : 0;
  b.fence = 0;
  b.n += 1;
}

/** A plain load (READ_ONCE): the newest store to `x` in the CPU's own buffer, else memory. Only reads: usable in guards. */
function load(m: SharedMemory<any>, x: string, env: Pick<StepEnv<any>, 'self' | 'local'>): number {
  const a = addressOf(m, x);
  const b = bufferOf(m, env);
  if (b !== undefined) for (let i = b.n - 1; i >= 0; i--) if (b.addr[i] === a) return b.val[i]!;
  // lkmm: the newest pending store that reached this CPU, else memory.
  const seen = b?.view?.[a] ?? 0;
  if (seen > 0) return m.pw![a]!.val[seen - 1]!;
  return (m.mem as Record<string, number>)[x]!;
}


type Mem<V extends Record<string, number>> = SharedMemory<V> | Draft<SharedMemory<V>>;
type Name<V> = keyof V & string;
/** A step's environment as the primitives need it: its CPU, and warnOn to report a cut by the bound (every step has it). */
type Reader = Pick<StepEnv<any>, 'self' | 'local'> & Partial<Pick<StepEnv<any>, 'warnOn'>>;
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
  while (b.n > 0 && (b.fence === 1 || b.grp[b.n - 1]! > b.grp[0]!)) drainAt(m, b, 0, env);
  const a = addressOf(m, x);
  // The stores of groups older than the newest store to x reach memory first (a barrier's order).
  for (let k = newestTo(b, a); k >= 0 && b.grp[k]! > b.grp[0]!; k = newestTo(b, a)) drainAt(m, b, 0, env);
  for (let k = oldestTo(b, a); k >= 0; k = oldestTo(b, a)) drainAt(m, b, k, env);
}

/** Orders every earlier store of the CPU before what follows: the buffer drains (lkmm: and what the CPU has seen reaches every CPU). */
function fullFence(m: SharedMemory<any>, env: Reader): void {
  const b = bufferOf(m, env);
  drainAll(m, b, env);
  strongPropagation(m, b);
}

/**
 * lkmm's store->store barrier (smp_wmb, and the release half of smp_store_release): the CPU's
 * earlier stores reach memory before its later ones; later loads are not held back. Under tso
 * nothing: the FIFO buffer keeps stores in order already.
 */
function storeStoreFence(m: SharedMemory<any>, env: Reader): void {
  const b = bufferOf(m, env);
  if (!isLkmm(m) || b === undefined) return;
  if (b.n > 0) b.fence = 1;
  // Nothing buffered: the CPU's later stores follow its stores so far to every CPU.
  else joinInto(b.fv!, b.own!);
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
  store(sm(m), x, v, env, true);
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
  if (!isLkmm(mm) || b === undefined || b.rmw !== 1) return;
  while (b.mark > 0) drainAt(mm, b, 0, env);
  strongPropagation(mm, b);
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
  if (!isLkmm(mm) || b === undefined) {
    fullFence(mm, env);
    const old = (mm.mem as Record<string, number>)[x]!;
    write(mm, addressOf(mm, x), f(old));
    return old;
  }
  if (order === 'full' || b.before === 1) fullFence(mm, env);
  else if (order === 'release') drainAll(mm, b, env);
  else drainAddress(mm, x, env);
  b.before = 0;
  // What a later smp_mb__after_atomic orders: every store still buffered before this RMW.
  b.mark = b.n;
  b.rmw = 1;
  // Atomicity: the RMW reads the store just before its own in the coherence order, which must
  // therefore have reached its CPU (with what that store needs).
  const a = addressOf(mm, x);
  seeNewest(mm, b, a);
  const old = load(mm, x, env);
  // A release RMW is A-cumulative like a release store.
  commit(mm, b, a, f(old), order === 'release', env);
  if (order === 'full') strongPropagation(mm, b);
  return old;
}

/** lkmm: the newest pending store to `a` reaches the CPU of `b` (if it has not), as an RMW's read needs. */
function seeNewest(m: SharedMemory<any>, b: StoreBuffer, a: number): void {
  const p = m.pw![a]!;
  const nv = m.pw!.length;
  if (p.n === 0 || b.view![a]! >= p.n) return;
  joinInto(b.view!, p.pre.slice((p.n - 1) * nv, p.n * nv));
  b.view![a] = p.n;
  dropSeen(m);
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
  if (isLkmm(mm) && b !== undefined) {
    // It fails reading what its CPU sees, or, when that is `old`, the newest store to x (which
    // then reaches its CPU, as a read of it needs); it succeeds only on the newest.
    let seen = load(mm, x, env);
    if (seen === old) {
      const a = addressOf(mm, x);
      if (newestTo(b, a) < 0) {
        seeNewest(mm, b, a);
        seen = load(mm, x, env);
      }
    }
    if (seen !== old) {
      if (b.before === 1) fullFence(mm, env);
      b.before = 0;
      b.mark = b.n;
      b.rmw = 1;
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

/**
 * A `try_cmpxchg()` loop written as one step (`old = READ_ONCE(*x); do { new = f(old); } while
 * (!try_cmpxchg(x, &old, new));`): its last iteration, the one that succeeds, on the newest value of
 * x; returns that value (`old` after the loop). A failed try_cmpxchg re-reads x, so the loop ends
 * on the newest store to x; a READ_ONCE() then cmpxchg() in one step does not (under lkmm the
 * READ_ONCE may see an older store than the cmpxchg, which then fails). Fully ordered, as cmpxchg.
 */
export function try_cmpxchg_loop<V extends Record<string, number>>(m: Mem<V>, x: Name<V>, f: (old: number) => number, env: StepEnv<any>): number {
  return rmw(m, x, 'full', f, env);
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

/** lkmm with lock views: the memory, the CPU's buffer (committed first) and lock `l`; undefined under tso and sc, or without lock views. */
function lockAccess(m: Mem<any>, l: number, env: Reader): { mm: SharedMemory<any>; b: StoreBuffer; lock: LockView } | undefined {
  const mm = sm(m);
  const b = bufferOf(mm, env);
  if (!isLkmm(mm) || b === undefined || mm.lk === undefined) return undefined;
  drainAll(mm, b, env);
  return { mm, b, lock: mm.lk[l]! };
}

/**
 * spin_lock of lock `l` (an index into the memory's locks: sharedMemory's `locks` option) for
 * code that keeps lock views (the litmus tests). tso: spinLockFence. lkmm: an acquire, with the
 * CPU's buffer committed (stronger than herd7: its earlier stores take their place in the
 * coherence order first): the lock's last unlock reached this CPU, and with it what it carried
 * (a release is A-cumulative), and this CPU's later stores follow the unlocker's earlier ones to
 * every CPU (po-unlock-lock-po, explanation.txt). Not a strong fence: Z6.0+pooncelock+pooncelock.
 */
export function spin_lock_ordered(m: Mem<any>, l: number, env: Reader): void {
  const at = lockAccess(m, l, env);
  if (at === undefined) return spinLockFence(m, env);
  const { mm, b, lock } = at;
  joinInto(b.view!, lock.view);
  // po-unlock-lock-po: after the lock's last unlock (rf), and after this CPU's own last unlock (po).
  joinInto(b.fv!, lock.own);
  joinInto(b.fv!, mm.ul![cpuOf(env)]!);
  dropSeen(mm);
}

/** spin_unlock of lock `l` (see spin_lock_ordered). tso: spinUnlockFence. lkmm: a release: the buffer commits, and the lock carries what the CPU has seen and its own stores. */
export function spin_unlock_ordered(m: Mem<any>, l: number, env: Reader): void {
  const at = lockAccess(m, l, env);
  if (at === undefined) return spinUnlockFence(m, env);
  const { mm, b, lock } = at;
  const ul = mm.ul![cpuOf(env)]!;
  for (let y = 0; y < lock.view.length; y++) {
    lock.view[y] = b.view![y]!;
    lock.own[y] = b.own![y]!;
    ul[y] = b.own![y]!;
  }
}

/** Each CPU's pending stores, oldest first, as `x=1`: for reports ('' when every buffer is empty or under sc). */
export function describeStoreBuffers(m: SharedMemory<any>): string {
  const names = namesOf(m);
  return m.sb
    // lkmm: ' | ' between stores an smp_wmb or a release keeps in order.
    .map((b, c) => (b.n === 0 ? '' : `cpu${c}: ${Array.from({ length: b.n }, (_, i) => `${i === 0 ? '' : b.grp[i] !== b.grp[i - 1] ? ' | ' : ', '}${names[b.addr[i]!]}=${b.val[i]}`).join('')}`))
    // lkmm: the stores that left their buffer but have not reached every CPU, and the CPUs that see them (or a newer one).
    .concat((m.pw ?? []).flatMap((p, a) => Array.from({ length: p.n }, (_, i) => `${names[a]}=${p.val[i]} at ${m.sb.flatMap((d, c) => (d.view![a]! > i ? [`cpu${c}`] : [])).join(',')} only`)))
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
              guard: declareStraight((s: S) => at(s).sb[c]!.n > 0, { bind: { at, c } }),
              run: declareStraight((d: Draft<S>, env: StepEnv<{}>) => drainOldest(at(d), at(d).sb[c]!, env), { bind: { drainOldest, at, c } }),
              tags: ['memory:drain'],
              next: 'drain',
            })),
          },
        ],
      },
    ];
  // lkmm: stores to different variables leave the buffers in any order, those to one variable in
  // order, and none before a store of an older group (smp_wmb, smp_store_release); then each
  // reaches each other CPU on its own (passing older ones to its variable), once what it needs has.
  const names = namesOf(m0);
  const pending = m0.pw![0]?.val.length ?? 0;
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
              label: `lkmm: cpu${c}'s oldest buffered store to ${x} leaves its buffer (coherence order)`,
              fn: 'lkmm',
              guard: declareStraight((s: S) => drainableTo(at(s).sb[c]!, a) >= 0, { bind: { drainableTo, at, c, a } }),
              run: declareStraight((d: Draft<S>, env: StepEnv<{}>) => drainAt(at(d), at(d).sb[c]!, drainableTo(at(d).sb[c]!, a), env), { bind: { drainAt, drainableTo, at, c, a } }),
              tags: ['memory:drain'],
              next: 'drain',
            })),
          )
            .flat()
            .concat(
              Array.from({ length: cpus }, (_, c) =>
                names.flatMap((x, a) =>
                  Array.from({ length: pending }, (_, i) => ({
                    label: `lkmm: the ${ordinal(i + 1)} pending store to ${x} reaches cpu${c}`,
                    fn: 'lkmm',
                    guard: declareStraight((s: S) => canReach(at(s), at(s).sb[c]!, a, i + 1), { bind: { canReach, at, c, a, i } }),
                    run: declareStraight((d: Draft<S>) => reach(at(d), at(d).sb[c]!, a, i + 1), { bind: { reach, at, c, a, i } }),
                    tags: ['memory:propagate'],
                    next: 'drain',
                  })),
                ),
              ).flat(),
            ),
        },
      ],
    },
  ];
}

const ordinal = (k: number): string => `${k}${k === 1 ? 'st' : k === 2 ? 'nd' : k === 3 ? 'rd' : 'th'}`;

/** Is `v` a SharedMemory with store buffers (tso)? Recognised by shape, for reports and traces. */
function isBuffered(v: unknown): v is SharedMemory {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  const extra = keys.filter((k) => k !== 'pw' && k !== 'lk' && k !== 'ul').length;
  if (extra !== 3 || !Object.hasOwn(o, 'mem') || !Object.hasOwn(o, 'model') || !Object.hasOwn(o, 'sb') || !Array.isArray(o['sb']) || o['sb'].length === 0) return false;
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
  return memories.some((p) => ['sb[', 'pw[', 'lk['].some((k) => changePath.startsWith(p === '' ? k : `${p}.${k}`)));
}

// ---- straight forms (src/model/straight.ts) ------------------------------------------------------
//
// What the step compiler compiles for the primitives above (only ever compiled: the functions
// above run, and the equivalence tests and the CLI's determinism probe compare the two). Each
// computes what its function computes, with what is known when compiling: the variable's name (a
// string written there, or one of a table's picked at run time: the call is compiled once per
// name), its address (slotIndex: its index among the memory's sorted keys, the layout's order),
// the memory model (from the layout: no buffers is sc; buffers without lkmm's pending stores `pw`
// is tso) and a buffer's capacity K; the buffer itself by its CPU at run time (out of range: a
// bail where bufferOf throws), and loops over its run-time count unrolled over K, each slot tested
// against the count. Loads, stores and fences compile under sc and tso; under lkmm everything:
// the loads, the stores (WRITE_ONCE, smp_store_release), smp_wmb, smp_mb__before_atomic and the
// memory thread's steps (a store leaving its buffer: commit; reaching a CPU: dropSeen) and guards
// (session 12, unrolled), and the strong fences and RMWs (session 14: smp_mb and the others that
// fence, smp_mb__after_atomic after an RMW, xchg, set_bit..., their loops over run-time counts as
// loops; LKMM_FENCES below).

// (Local names for the compiler's own functions: a form's source then reads the same under vitest,
// which rewrites the uses of imported names, as with the models' imports of the kernel.)
const slotIndex = keyIndex;
const slotKey = keyAt;
const notStraight = refuse;
const LKMM_NOT_COMPILED = 'lkmm: a store leaving its buffer (commit, propagation) is not compiled';

// Its straight form (src/model/straight.ts, for the loads' form below): the local `cpu` when the
// thread's locals have one (an int slot, a number; a boolean one is no index: the form's use
// bails), else env.self; decided when compiling from the layout.
declareStraight(cpuOf, { fn: (env: Pick<StepEnv<any>, 'self' | 'local'>) => ((env.local as { cpu?: number }).cpu !== undefined ? (env.local as { cpu: number }).cpu : env.self) });

/**
 * load's straight form (src/model/straight.ts; only ever compiled, never run): the same value,
 * with what the compiler knows when compiling, the variable `x` (a string: a name written there,
 * or one of a table's picked at run time), the memory model (from the layout: no buffers is sc,
 * no pending stores `pw` is tso) and the buffer's capacity `K`: the CPU's buffer searched newest
 * first over its K slots, each tested against the run-time count `n` (what `for (i = n - 1; ...)`
 * reads: the entries at n and above are never looked at), then (lkmm) the newest pending store
 * that reached the CPU, then memory. The CPU's buffer by a run-time index (its `cpu` local): out
 * of range, the compiled step bails where bufferOf throws.
 */
const loadForm = (m: any, x: string, env: any) => {
  const a = slotIndex(m.mem, x); // (a name the memory lacks: refused; addressOf throws)
  if (m.sb.length === 0) return m.mem[x];
  const b = m.sb[cpuOf(env)];
  const K = b.addr.length;
  for (let i = 0; i < K; i++) if (K - 1 - i < b.n && b.addr[K - 1 - i] === a) return b.val[K - 1 - i];
  if (m.pw === undefined) return m.mem[x];
  if (b.view[a] > 0) return m.pw[a].val[b.view[a] - 1];
  return m.mem[x];
};
declareStraight(load, { fn: loadForm, bind: { slotIndex, cpuOf } });
// (sm is the identity: the loads' form takes the memory itself.)
declareStraight(READ_ONCE, { fn: (m: any, x: string, env: any) => load(m, x, env), bind: { load } });
declareStraight(smp_load_acquire, { fn: (m: any, x: string, env: any) => load(m, x, env), bind: { load } });

/** write(m, a, v) with the variable's name `x` (a pick of the memory's keys by the run-time address: slotKey). */
const writeAt = (mem: any, x: any, v: number) => {
  mem[x] = v;
};

// ---- lkmm's straight forms: commit and propagation (the stores' and the memory thread's) -------
//
// The same functions' steps with their loops bounded when compiling: a `while` over the buffer
// or the pending stores is unrolled over its capacity (K, or a variable's H pending stores), each
// copy guarded by the loop's condition evaluated there (`go`: a form's steps are `go && (...)`
// and `x = go ? y : x`, never an `if` on a run-time test, which would compile what follows it
// twice); where the capacity does not bound the loop (a count past it, never packed; dropSeen
// with a second store to drop; the closure not at its fixpoint after one pass), the step bails
// and the general path runs it. Rare branches bail too: the bound of a variable's pending stores
// (commit's reachEveryCpu) and a full buffer under lkmm (store's drain first). Memories with lock
// views (lk, ul: litmus tests) are refused.
const LKMM_LOCKS = 'lkmm: a memory with lock views (litmus tests) is not compiled';
/**
 * LKMM_FENCES: lkmm's strong fences and RMWs (fullFence: drainAll and B-cumulativity; the RMWs'
 * ordering, seeNewest, commit, strongPropagation; smp_mb__after_atomic after an RMW) are the
 * run-time-loop forms below (session 14). Written as the forms here (every unrolled copy
 * evaluated, guarded by its condition, several dropSeens a step: main 9096b3f) they cost twice
 * the tree path's on sched-delayed-dequeue (bench/README.md, session 12) and were refused.
 */
/**
 * The unrolled copies of dropSeen's `while` per variable and of the closure's passes: the
 * generated code is one expression per step, which V8 compiles recursively (a step of several
 * fences overflowed its stack with H copies and two passes); past them the step bails.
 */
const DROPS = 1;
const PASSES = 1;

/** m.sb.every((d) => d.view[a] >= 1), unrolled over the CPUs. */
const allSeeForm = (m: any, a: number) => {
  const C = m.sb.length;
  for (let c = 0; c < C; c++) if (m.sb[c].view[a] < 1) return false;
  return true;
};
declareStraight(allSeeForm, {});

/**
 * dropSeen when `go`: per variable a (known when compiling), its `while` unrolled over the H
 * pending stores it may hold, each copy guarded by the loop's condition (`d`); a count past H
 * with the condition still holding bails.
 */
const dropSeenForm = (m: any, go: boolean) => {
  if (m.lk !== undefined) notStraight(LKMM_LOCKS);
  const pw = m.pw;
  const nv = pw.length;
  const H = pw[0].val.length;
  const C = m.sb.length;
  // (A count past H, never packed: the function would shift slots past the arrays' ends.)
  for (let q = 0; q < nv; q++) if (go && pw[q].n > H) throw new Error('pending stores past the bound');
  for (let a = 0; a < nv; a++) {
    for (let r = 0; r < DROPS; r++) {
      const d = go && pw[a].n > 0 && allSeeForm(m, a);
      d && writeAt(m.mem, slotKey(m.mem, a), pw[a].val[0]);
      for (let i = 1; i < H; i++) d && i < pw[a].n && (pw[a].val[i - 1] = pw[a].val[i]);
      for (let i = 1; i < H; i++) for (let y = 0; y < nv; y++) d && i < pw[a].n && (pw[a].pre[(i - 1) * nv + y] = pw[a].pre[i * nv + y]);
      pw[a].n = d ? pw[a].n - 1 : pw[a].n;
      d && (pw[a].val[pw[a].n] = 0);
      for (let y = 0; y < nv; y++) d && (pw[a].pre[pw[a].n * nv + y] = 0);
      for (let c = 0; c < C; c++) {
        m.sb[c].view[a] = d && m.sb[c].view[a] > 0 ? m.sb[c].view[a] - 1 : m.sb[c].view[a];
        m.sb[c].own[a] = d && m.sb[c].own[a] > 0 ? m.sb[c].own[a] - 1 : m.sb[c].own[a];
        m.sb[c].fv[a] = d && m.sb[c].fv[a] > 0 ? m.sb[c].fv[a] - 1 : m.sb[c].fv[a];
      }
      for (let q = 0; q < nv; q++) for (let i = 0; i < H; i++) d && i < pw[q].n && pw[q].pre[i * nv + a] > 0 && (pw[q].pre[i * nv + a] = pw[q].pre[i * nv + a] - 1);
    }
    if (go && pw[a].n > 0 && allSeeForm(m, a)) throw new Error('more pending stores than the bound');
  }
};
declareStraight(dropSeenForm, { bind: { notStraight, LKMM_LOCKS, allSeeForm, writeAt, slotKey, DROPS } });

/**
 * commit when `go`: the store v to address a (known or not when compiling) joins the coherence
 * order. Its cumulativity view `pre` is built in the row it will occupy (pw[a].pre at p.n, unused
 * until then: the closure reads only rows below the counts), closed by two passes and checked (a
 * third would change it: bail; the closure is the least view above the start, whatever the order).
 * The variable's bound (p.n === H) bails.
 */
const commitForm = (m: any, b: any, a: number, v: number, release: boolean, go: boolean) => {
  const pw = m.pw;
  const nv = pw.length;
  const H = pw[0].val.length;
  const p = pw[a];
  if (go && p.n >= H) throw new Error('the bound of pending stores');
  const i = p.n;
  for (let y = 0; y < nv; y++) go && (p.pre[i * nv + y] = release && b.view[y] > b.fv[y] ? b.view[y] : b.fv[y]);
  for (let pass = 0; pass < PASSES; pass++)
    for (let a2 = 0; a2 < nv; a2++)
      for (let i2 = 0; i2 < H; i2++)
        for (let y = 0; y < nv; y++) go && i2 < p.pre[i * nv + a2] && i2 < pw[a2].n && pw[a2].pre[i2 * nv + y] > p.pre[i * nv + y] && (p.pre[i * nv + y] = pw[a2].pre[i2 * nv + y]);
  for (let a2 = 0; a2 < nv; a2++)
    for (let i2 = 0; i2 < H; i2++)
      for (let y = 0; y < nv; y++) if (go && i2 < p.pre[i * nv + a2] && i2 < pw[a2].n && pw[a2].pre[i2 * nv + y] > p.pre[i * nv + y]) throw new Error('closure not at its fixpoint');
  for (let y = 0; y < nv; y++) go && p.pre[i * nv + y] > b.view[y] && (b.view[y] = p.pre[i * nv + y]);
  go && (p.val[i] = v);
  for (let y = 0; y < nv; y++) go && y === a && p.pre[i * nv + y] > i && (p.pre[i * nv + y] = i);
  p.n = go ? i + 1 : p.n;
  go && (b.view[a] = i + 1);
  go && (b.own[a] = i + 1);
  dropSeenForm(m, go);
};
declareStraight(commitForm, { bind: { dropSeenForm, PASSES } });

/** drainAt under lkmm when `go`: entry k (run-time) commits, the later entries shift down over K, as drainAt. */
const drainAtLkmmForm = (m: any, b: any, k: number, go: boolean) => {
  const K = b.addr.length;
  const nv = m.pw.length;
  if (go && b.n > K) throw new Error('a store buffer past its capacity');
  commitForm(m, b, b.addr[k], b.val[k], b.rel[k] === 1, go);
  for (let i = 1; i < K; i++) go && i > k && i < b.n && ((b.addr[i - 1] = b.addr[i]), (b.val[i - 1] = b.val[i]), (b.grp[i - 1] = b.grp[i]), (b.rel[i - 1] = b.rel[i]));
  b.n = go ? b.n - 1 : b.n;
  b.mark = go && k < b.mark ? b.mark - 1 : b.mark;
  go && ((b.addr[b.n] = 0), (b.val[b.n] = 0), (b.grp[b.n] = 0), (b.rel[b.n] = 0));
  const g0 = b.n > 0 ? b.grp[0] : 0;
  const j = go && (g0 > 0 || (b.n === 0 && b.fence === 1));
  for (let y = 0; y < nv; y++) j && b.own[y] > b.fv[y] && (b.fv[y] = b.own[y]);
  for (let i = 0; i < K; i++) b.grp[i] = go && g0 > 0 && i < b.n ? b.grp[i] - g0 : b.grp[i];
  b.fence = go && b.n === 0 ? 0 : b.fence;
};
declareStraight(drainAtLkmmForm, { bind: { commitForm } });
declareStraight(drainAt, {
  fn: (m: any, b: any, k: number, _warn: unknown) => {
    if (m.pw === undefined) notStraight('drainAt under tso: drainOldest');
    drainAtLkmmForm(m, b, k, true);
  },
  bind: { notStraight, drainAtLkmmForm },
});

// ---- lkmm's strong fences and RMWs: run-time loops (LKMM_FENCES, session 14) -------------------
//
// The functions' own loops over the run-time counts (the buffer's n, a variable's pending
// stores, a mark), which the compiler compiles as loops (straight.ts runLoop), not unrolled over
// the capacities: a step costs the iterations its state asks for (usually none or one), where the
// unrolled forms above evaluate every copy (session 12 measured those for fences and RMWs at twice
// the tree path's cost). The helpers several others call (dropSeen and its loop per variable,
// commit, a drain, strongPropagation, a fence, seeNewest) are `shared`: compiled once for a
// step, as a function of its own, where inlined they were copied into each caller (a fully
// ordered RMW calls dropSeen five times). An index
// past an array's end (a count past its capacity, never packed) bails where it is read. Rare
// branches still bail: the variable's bound of pending stores (commit's reachEveryCpu), the
// closure not at its fixpoint after one pass, memories with lock views (litmus tests'
// spinlocks). (The memory thread's own drain keeps the unrolled drainAtLkmmForm: through these
// forms it measured slower, bench/README.md, session 14.)

/** dropSeen's `while` for variable a (known when compiling), as the function's, over the run-time counts. */
const dropVarForm = (m: any, a: number) => {
  const pw = m.pw;
  const nv = pw.length;
  const C = m.sb.length;
  const p = pw[a];
  while (p.n > 0 && allSeeForm(m, a)) {
    writeAt(m.mem, slotKey(m.mem, a), p.val[0]);
    for (let i = 1; i < p.n; i++) {
      p.val[i - 1] = p.val[i];
      for (let y = 0; y < nv; y++) p.pre[(i - 1) * nv + y] = p.pre[i * nv + y];
    }
    p.n -= 1;
    p.val[p.n] = 0;
    for (let y = 0; y < nv; y++) p.pre[p.n * nv + y] = 0;
    for (let c = 0; c < C; c++) {
      if (m.sb[c].view[a] > 0) m.sb[c].view[a] -= 1;
      if (m.sb[c].own[a] > 0) m.sb[c].own[a] -= 1;
      if (m.sb[c].fv[a] > 0) m.sb[c].fv[a] -= 1;
    }
    for (let q = 0; q < nv; q++) for (let i = 0; i < pw[q].n; i++) if (pw[q].pre[i * nv + a] > 0) pw[q].pre[i * nv + a] -= 1;
  }
};
declareStraight(dropVarForm, { bind: { allSeeForm, writeAt, slotKey }, shared: true });

/** dropSeen: each variable's loop entered only when its oldest pending store was seen by every CPU. */
const dropSeenRunForm = (m: any) => {
  if (m.lk !== undefined) notStraight(LKMM_LOCKS);
  const nv = m.pw.length;
  for (let a = 0; a < nv; a++) m.pw[a].n > 0 && allSeeForm(m, a) && dropVarForm(m, a);
};
declareStraight(dropSeenRunForm, { bind: { notStraight, LKMM_LOCKS, allSeeForm, dropVarForm }, shared: true });

/**
 * commit: the store v to address a (known or not when compiling) joins the coherence order; its
 * cumulativity view built in the row it will occupy (pw[a].pre at p.n, which the closure does not
 * read: only rows below the counts), closed by one pass over the rows it covers and checked (a
 * second pass that would change it bails; the closure is the least view above the start, so one
 * that a pass leaves unchanged is the function's). The variable's bound (p.n === H) bails.
 */
const commitRunForm = (m: any, b: any, a: number, v: number, release: boolean) => {
  const pw = m.pw;
  const nv = pw.length;
  const H = pw[0].val.length;
  const p = pw[a];
  if (p.n >= H) throw new Error('the bound of pending stores');
  const i = p.n;
  for (let y = 0; y < nv; y++) p.pre[i * nv + y] = release && b.view[y] > b.fv[y] ? b.view[y] : b.fv[y];
  for (let a2 = 0; a2 < nv; a2++)
    for (let i2 = 0; i2 < p.pre[i * nv + a2] && i2 < pw[a2].n; i2++)
      for (let y = 0; y < nv; y++) if (pw[a2].pre[i2 * nv + y] > p.pre[i * nv + y]) p.pre[i * nv + y] = pw[a2].pre[i2 * nv + y];
  for (let a2 = 0; a2 < nv; a2++)
    for (let i2 = 0; i2 < p.pre[i * nv + a2] && i2 < pw[a2].n; i2++)
      for (let y = 0; y < nv; y++) if (pw[a2].pre[i2 * nv + y] > p.pre[i * nv + y]) throw new Error('closure not at its fixpoint');
  for (let y = 0; y < nv; y++) p.pre[i * nv + y] > b.view[y] && (b.view[y] = p.pre[i * nv + y]);
  p.val[i] = v;
  p.pre[i * nv + a] > i && (p.pre[i * nv + a] = i);
  p.n = i + 1;
  b.view[a] = i + 1;
  b.own[a] = i + 1;
  dropSeenRunForm(m);
};
declareStraight(commitRunForm, { bind: { dropSeenRunForm }, shared: true });

/** `fv` joined with `own` (an smp_wmb / release group left the buffer). */
const ownIntoFvForm = (b: any, nv: number) => {
  for (let y = 0; y < nv; y++) b.own[y] > b.fv[y] && (b.fv[y] = b.own[y]);
};
declareStraight(ownIntoFvForm, {});

/** drainAt under lkmm: entry k (run-time) commits, the later entries shift down, as the function. */
const drainAtRunForm = (m: any, b: any, k: number) => {
  const nv = m.pw.length;
  commitRunForm(m, b, b.addr[k], b.val[k], b.rel[k] === 1);
  for (let i = k + 1; i < b.n; i++) {
    b.addr[i - 1] = b.addr[i];
    b.val[i - 1] = b.val[i];
    b.grp[i - 1] = b.grp[i];
    b.rel[i - 1] = b.rel[i];
  }
  b.n -= 1;
  k < b.mark && (b.mark -= 1);
  b.addr[b.n] = 0;
  b.val[b.n] = 0;
  b.grp[b.n] = 0;
  b.rel[b.n] = 0;
  const g0 = b.n > 0 ? b.grp[0] : 0;
  (g0 > 0 || (b.n === 0 && b.fence === 1)) && ownIntoFvForm(b, nv);
  g0 > 0 && groupsDownForm(b, g0);
  b.n === 0 && (b.fence = 0);
};
/** The groups renumbered from the oldest entry's (g0 > 0). */
const groupsDownForm = (b: any, g0: number) => {
  for (let i = 0; i < b.n; i++) b.grp[i] -= g0;
};
declareStraight(groupsDownForm, { shared: true });
declareStraight(drainAtRunForm, { bind: { commitRunForm, ownIntoFvForm, groupsDownForm }, shared: true });

/** strongPropagation: what CPU b has seen reaches every CPU (b's view read as it is: joining it into b changes nothing), then dropSeen. */
const strongRunForm = (m: any, b: any) => {
  const C = m.sb.length;
  const nv = m.pw.length;
  for (let c = 0; c < C; c++) for (let y = 0; y < nv; y++) b.view[y] > m.sb[c].view[y] && (m.sb[c].view[y] = b.view[y]);
  dropSeenRunForm(m);
};
declareStraight(strongRunForm, { bind: { dropSeenRunForm }, shared: true });

/** fullFence under lkmm: drainAll, then strongPropagation. */
const fenceRunForm = (m: any, b: any) => {
  while (b.n > 0) drainAtRunForm(m, b, 0);
  strongRunForm(m, b);
};
declareStraight(fenceRunForm, { bind: { drainAtRunForm, strongRunForm }, shared: true });

/** newestTo / oldestTo over the capacity K (each slot tested against the run-time count, as loadForm). */
const newestToForm = (b: any, a: number) => {
  const K = b.addr.length;
  for (let i = 0; i < K; i++) if (K - 1 - i < b.n && b.addr[K - 1 - i] === a) return K - 1 - i;
  return -1;
};
declareStraight(newestToForm, {});
const oldestToForm = (b: any, a: number) => {
  const K = b.addr.length;
  for (let i = 0; i < K; i++) if (i < b.n && b.addr[i] === a) return i;
  return -1;
};
declareStraight(oldestToForm, {});

/** drainAddress (a relaxed RMW's ordering), its three loops as the function's. */
const drainAddressForm = (m: any, b: any, a: number) => {
  while (b.n > 0 && (b.fence === 1 || b.grp[b.n - 1] > b.grp[0])) drainAtRunForm(m, b, 0);
  while (newestToForm(b, a) >= 0 && b.grp[newestToForm(b, a)] > b.grp[0]) drainAtRunForm(m, b, 0);
  while (oldestToForm(b, a) >= 0) drainAtRunForm(m, b, oldestToForm(b, a));
};
declareStraight(drainAddressForm, { bind: { drainAtRunForm, newestToForm, oldestToForm } });

/** seeNewest: the newest pending store to a reaches b's CPU with what it needs (when it has not). */
const seeNewestRunForm = (m: any, b: any, a: number) => {
  const nv = m.pw.length;
  const p = m.pw[a];
  for (let y = 0; y < nv; y++) p.pre[(p.n - 1) * nv + y] > b.view[y] && (b.view[y] = p.pre[(p.n - 1) * nv + y]);
  b.view[a] = p.n;
  dropSeenRunForm(m);
};
declareStraight(seeNewestRunForm, { bind: { dropSeenRunForm }, shared: true });

/**
 * rmw's ordering and read under lkmm (`full`: the primitive's order, value-returning full,
 * set_bit/clear_bit relaxed): a fence when full or after smp_mb__before_atomic, else
 * drainAddress; before, mark and rmw as the function sets them; the newest store to x seen; the
 * value read (rmwForm then commits the new value and, full, propagates).
 */
const rmwReadRunForm = (m: any, b: any, x: string, a: number, full: boolean, env: any) => {
  full || b.before === 1 ? fenceRunForm(m, b) : drainAddressForm(m, b, a);
  b.before = 0;
  b.mark = b.n;
  b.rmw = 1;
  m.pw[a].n > 0 && b.view[a] < m.pw[a].n && seeNewestRunForm(m, b, a);
  return load(m, x, env);
};
declareStraight(rmwReadRunForm, { bind: { fenceRunForm, drainAddressForm, seeNewestRunForm, load } });

// The forms below write their conditional steps as `c && (...)` and `x = c ? y : x` (the same
// value stored back where the function stores nothing): an inlined `if (c) A; B` becomes
// `c ? (A, B) : B`, B compiled twice, so a loop of ifs would double the code at each one.

/**
 * drainOldest under tso: the oldest entry written to memory (by its run-time address: the call
 * compiled once per variable), the later ones shifted down over the capacity, the count, mark,
 * freed slot, groups and fence as drainAt leaves them.
 */
const drainOldestForm = (m: any, b: any, _warn: unknown) => {
  if (m.pw !== undefined) notStraight(LKMM_NOT_COMPILED);
  const K = b.addr.length;
  writeAt(m.mem, slotKey(m.mem, b.addr[0]), b.val[0]);
  for (let i = 1; i < K; i++) i < b.n && ((b.addr[i - 1] = b.addr[i]), (b.val[i - 1] = b.val[i]), (b.grp[i - 1] = b.grp[i]));
  b.n -= 1;
  b.mark = 0 < b.mark ? b.mark - 1 : b.mark;
  b.addr[b.n] = 0;
  b.val[b.n] = 0;
  b.grp[b.n] = 0;
  const g0 = b.n > 0 ? b.grp[0] : 0;
  for (let i = 0; i < K; i++) b.grp[i] = g0 > 0 && i < b.n ? b.grp[i] - g0 : b.grp[i];
  b.fence = b.n === 0 ? 0 : b.fence;
};
declareStraight(drainOldestForm, { bind: { notStraight, LKMM_NOT_COMPILED, writeAt, slotKey } });
declareStraight(drainOldest, { fn: (m: any, b: any, warn: unknown) => drainOldestForm(m, b, warn), bind: { drainOldestForm } });

/**
 * fullFence under sc (nothing) and tso: drainAll, `while (b.n > 0) drainOldest(...)`, in closed
 * form: the n buffered stores written to memory oldest first, their slots zeroed, the count and
 * fence 0, the mark lowered by n (not below 0) as n drains lower it; a count past the capacity
 * (never packed) bails.
 */
const fenceForm = (m: any, env: any) => {
  if (m.sb.length === 0) return;
  const b = m.sb[cpuOf(env)];
  if (m.pw !== undefined) return fenceRunForm(m, b);
  const K = b.addr.length;
  const n = b.n;
  if (n > K) throw new Error('a store buffer past its capacity');
  for (let i = 0; i < K; i++) i < n && writeAt(m.mem, slotKey(m.mem, b.addr[i]), b.val[i]);
  for (let i = 0; i < K; i++) i < n && ((b.addr[i] = 0), (b.val[i] = 0), (b.grp[i] = 0));
  b.n = n > 0 ? 0 : b.n;
  b.fence = n > 0 ? 0 : b.fence;
  b.mark = n > 0 && b.mark > 0 ? (b.mark > n ? b.mark - n : 0) : b.mark;
};
declareStraight(fenceForm, { bind: { fenceRunForm, cpuOf, writeAt, slotKey } });

/**
 * The barriers that do nothing to a tso buffer (bufferOf's range check only). Under lkmm:
 * smp_wmb (and a release's) orders the CPU's earlier stores before its later ones
 * (storeStoreFence); smp_mb__before_atomic marks the next RMW as fully ordered;
 * smp_mb__after_atomic after an RMW is a strong fence for what its mark holds (afterRmwForm).
 */
const wmbForm = (m: any, env: any) => {
  if (m.sb.length === 0) return;
  const b = m.sb[cpuOf(env)];
  if (m.pw === undefined) return;
  const nv = m.pw.length;
  const empty = b.n === 0;
  b.fence = empty ? b.fence : 1;
  for (let y = 0; y < nv; y++) empty && b.own[y] > b.fv[y] && (b.fv[y] = b.own[y]);
};
declareStraight(wmbForm, { bind: { cpuOf } });
const beforeAtomicForm = (m: any, env: any) => {
  if (m.sb.length === 0) return;
  const b = m.sb[cpuOf(env)];
  if (m.pw === undefined) return;
  b.before = 1;
};
declareStraight(beforeAtomicForm, { bind: { cpuOf } });
const afterAtomicForm = (m: any, env: any) => {
  if (m.sb.length === 0) return;
  const b = m.sb[cpuOf(env)];
  if (m.pw === undefined) return;
  b.rmw === 1 && afterRmwForm(m, b);
};
/** smp_mb__after_atomic after an RMW: the stores buffered before it drain, then strongPropagation. */
const afterRmwForm = (m: any, b: any) => {
  while (b.mark > 0) drainAtRunForm(m, b, 0);
  strongRunForm(m, b);
};
declareStraight(afterRmwForm, { bind: { drainAtRunForm, strongRunForm } });
declareStraight(afterAtomicForm, { bind: { cpuOf, afterRmwForm } });

/** store under sc (memory) and tso: into the CPU's buffer, its oldest entry drained first when it is full (the bound, heard). */
const storeForm = (m: any, x: string, v: number, env: any, release: boolean) => {
  const a = slotIndex(m.mem, x);
  if (m.sb.length === 0) {
    m.mem[x] = v;
    return;
  }
  const b = m.sb[cpuOf(env)];
  if (m.pw !== undefined) {
    // lkmm: a full buffer bails (the general path commits its oldest entry first, a rare branch).
    if (b.n >= b.addr.length) throw new Error('a full store buffer under lkmm');
    b.addr[b.n] = a;
    b.val[b.n] = v;
    b.grp[b.n] = b.n === 0 ? 0 : b.grp[b.n - 1] + b.fence;
    b.rel[b.n] = release ? 1 : 0;
    b.fence = 0;
    b.n += 1;
    return;
  }
  b.n === b.addr.length && (env.warnOn(false, STORE_BUFFER_BOUND), drainOldestForm(m, b, env));
  b.addr[b.n] = a;
  b.val[b.n] = v;
  b.grp[b.n] = b.n === 0 ? 0 : b.grp[b.n - 1] + b.fence;
  b.fence = 0;
  b.n += 1;
};
declareStraight(storeForm, { bind: { slotIndex, cpuOf, STORE_BUFFER_BOUND, drainOldestForm } });

/**
 * rmw under sc and tso (every RMW LOCK'd): the fence, then the variable's old value, the new one
 * written; under lkmm rmwReadRunForm (the ordering, the read), the new value committed, and (full)
 * strongPropagation. `full`: the primitive's order (set_bit, clear_bit relaxed; the
 * value-returning ones full).
 */
const rmwForm = (m: any, x: string, full: boolean, f: (old: number) => number, env: any) => {
  const a = slotIndex(m.mem, x);
  if (m.pw !== undefined) {
    const b = m.sb[cpuOf(env)];
    const seen = rmwReadRunForm(m, b, x, a, full, env);
    commitRunForm(m, b, a, f(seen), false);
    full && strongRunForm(m, b);
    return seen;
  }
  fenceForm(m, env);
  const old = m.mem[x];
  m.mem[x] = f(old);
  return old;
};
declareStraight(rmwForm, { bind: { slotIndex, cpuOf, rmwReadRunForm, commitRunForm, strongRunForm, fenceForm } });
declareStraight(WRITE_ONCE, { fn: (m: any, x: string, v: number, env: any) => storeForm(m, x, v, env, false), bind: { storeForm } });
declareStraight(__set_current_state, { fn: (m: any, x: string, v: number, env: any) => storeForm(m, x, v, env, false), bind: { storeForm } });
declareStraight(smp_store_release, { fn: (m: any, x: string, v: number, env: any) => { wmbForm(m, env); storeForm(m, x, v, env, true); }, bind: { wmbForm, storeForm } });
declareStraight(smp_store_mb, { fn: (m: any, x: string, v: number, env: any) => { storeForm(m, x, v, env, false); fenceForm(m, env); }, bind: { storeForm, fenceForm } });
declareStraight(set_current_state, { fn: (m: any, x: string, v: number, env: any) => { storeForm(m, x, v, env, false); fenceForm(m, env); }, bind: { storeForm, fenceForm } });
declareStraight(smp_mb, { fn: (m: any, env: any) => fenceForm(m, env), bind: { fenceForm } });
declareStraight(spinLockFence, { fn: (m: any, env: any) => fenceForm(m, env), bind: { fenceForm } });
declareStraight(spinUnlockFence, { fn: (m: any, env: any) => fenceForm(m, env), bind: { fenceForm } });
declareStraight(smp_wmb, { fn: (m: any, env: any) => wmbForm(m, env), bind: { wmbForm } });
declareStraight(smp_mb__before_atomic, { fn: (m: any, env: any) => beforeAtomicForm(m, env), bind: { beforeAtomicForm } });
declareStraight(smp_mb__after_atomic, { fn: (m: any, env: any) => afterAtomicForm(m, env), bind: { afterAtomicForm } });
declareStraight(smp_rmb, { fn: smp_rmb });
declareStraight(xchg, { fn: (m: any, x: string, v: number, env: any) => rmwForm(m, x, true, (_old: number) => v, env), bind: { rmwForm } });
// f: the caller's new-value function (an arrow written there, inlined; or a bound function).
declareStraight(try_cmpxchg_loop, { fn: (m: any, x: string, f: (old: number) => number, env: any) => rmwForm(m, x, true, (old: number) => f(old), env), bind: { rmwForm } });
declareStraight(set_bit, { fn: (m: any, bit: number, x: string, env: any) => void rmwForm(m, x, false, (old: number) => old | (1 << bit), env), bind: { rmwForm } });
declareStraight(clear_bit, { fn: (m: any, bit: number, x: string, env: any) => void rmwForm(m, x, false, (old: number) => old & ~(1 << bit), env), bind: { rmwForm } });
declareStraight(test_and_clear_bit, { fn: (m: any, bit: number, x: string, env: any) => (rmwForm(m, x, true, (old: number) => old & ~(1 << bit), env) & (1 << bit)) !== 0, bind: { rmwForm } });
declareStraight(test_and_set_bit, { fn: (m: any, bit: number, x: string, env: any) => (rmwForm(m, x, true, (old: number) => old | (1 << bit), env) & (1 << bit)) !== 0, bind: { rmwForm } });

// lkmm's memory-thread guards: which buffered store may leave (drainableTo: oldestTo over the
// capacity K, each slot tested against the run-time count, as loadForm) and whether a pending
// store may reach a CPU (canReach: the variable count nv known when compiling).
declareStraight(drainableTo, {
  fn: (b: any, a: number) => {
    const K = b.addr.length;
    for (let i = 0; i < K; i++) if (i < b.n && b.addr[i] === a) return b.grp[i] === b.grp[0] ? i : -1;
    return -1;
  },
});
declareStraight(canReach, {
  fn: (m: any, d: any, a: number, k: number) => {
    const nv = m.pw.length;
    if (k > m.pw[a].n || d.view[a] >= k) return false;
    for (let y = 0; y < nv; y++) if (d.view[y] < m.pw[a].pre[(k - 1) * nv + y]) return false;
    return true;
  },
});

declareStraight(reach, {
  fn: (m: any, d: any, a: number, k: number) => {
    d.view[a] = k;
    dropSeenForm(m, true);
  },
  bind: { dropSeenForm },
});
