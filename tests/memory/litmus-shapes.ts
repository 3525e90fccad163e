// The classic litmus shapes, written for kmc, with the outcome the literature gives for each
// under sequential consistency and under x86-TSO. Sources: Owens, Sarkar, Sewell, "A better x86
// memory model: x86-TSO" (TPHOLs 2009) and the Intel SDM's examples it discusses (SB, MP, IRIW,
// n6, …); Alglave, Maranget, Tautschnig, "Herding cats" (TOPLAS 2014), whose x86 results table
// gives SB, R and SB+rfi allowed and MP, LB, WRC, IRIW, 2+2W, S forbidden on x86-TSO; under SC
// every non-SC outcome is forbidden. The lkmm column is kmc's operational approximation as litmus
// tests run it (store buffers and out-of-order execution, src/kernel/litmus.ts), `inOrder` its
// answer with each thread's operations in program order (what a model's steps get) where that
// differs, and `herd` herd7's answer with the kernel's model where kmc is stronger (Alglave,
// Maranget, McKenney, Parri, Stern, "Frightening small children and disconcerting grown-ups:
// Concurrency in the Linux kernel", ASPLOS 2018, and tools/memory-model/Documentation/
// explanation.txt: LB, WRC, IRIW allowed without barriers, smp_rmb orders loads, an acquire what
// follows it, a release what precedes it; smp_mb__after_atomic orders nothing without an atomic
// before it). Our own tests: no kernel litmus file is copied here.

import type { Litmus, LitmusOp } from '../../src/kernel/litmus.js';

const W = (x: string, v: number, kind?: 'release' | 'mb'): LitmusOp => ({ op: 'store', x, v, ...(kind ? { kind } : {}) });
const R = (x: string, r: string, kind?: 'acquire'): LitmusOp => ({ op: 'load', x, r, ...(kind ? { kind } : {}) });
const F = (kind: 'mb' | 'wmb' | 'rmb' | 'before_atomic' | 'after_atomic' = 'mb'): LitmusOp => ({ op: 'fence', kind });
const X = (x: string, v: number, r?: string): LitmusOp => ({ op: 'xchg', x, v, ...(r ? { r } : {}) });
const A = (x: string): LitmusOp => ({ op: 'add', x, v: 1 });
const CAS = (x: string, old: number, v: number, r: string): LitmusOp => ({ op: 'cmpxchg', x, old, v, r });
const LOCK = (l: string): LitmusOp => ({ op: 'lock', l });
const UNLOCK = (l: string): LitmusOp => ({ op: 'unlock', l });
const reg = (t: number, r: string, eq: number) => ({ reg: [t, r] as [number, string], eq });
const mem = (x: string, eq: number) => ({ mem: x, eq });

export interface Shape {
  test: Litmus;
  sc: 'allowed' | 'forbidden';
  tso: 'allowed' | 'forbidden';
  /** Under kmc's operational lkmm (src/kernel/memory.ts), as `kmc litmus` runs it (out-of-order execution). */
  lkmm: 'allowed' | 'forbidden';
  /** Under lkmm with each thread's operations in program order (a model's steps), where it differs from `lkmm`. */
  inOrder?: 'allowed' | 'forbidden';
  /** herd7's answer with the kernel's model (tools/memory-model), where it differs from `lkmm`. */
  herd?: 'allowed' | 'forbidden';
}

const sbExists = { and: [reg(0, 'r0', 0), reg(1, 'r1', 0)] };
const mpExists = { and: [reg(1, 'r0', 1), reg(1, 'r1', 0)] };

export const SHAPES: Shape[] = [
  // Store buffering: each CPU's store waits in its buffer while it reads the other's variable.
  { test: { name: 'SB', vars: {}, threads: [[W('x', 1), R('y', 'r0')], [W('y', 1), R('x', 'r1')]], exists: sbExists }, sc: 'forbidden', tso: 'allowed', lkmm: 'allowed' },
  { test: { name: 'SB+mbs', vars: {}, threads: [[W('x', 1), F(), R('y', 'r0')], [W('y', 1), F(), R('x', 'r1')]], exists: sbExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  // One fence is not enough: the other CPU's store still waits.
  { test: { name: 'SB+mb+po', vars: {}, threads: [[W('x', 1), F(), R('y', 'r0')], [W('y', 1), R('x', 'r1')]], exists: sbExists }, sc: 'forbidden', tso: 'allowed', lkmm: 'allowed' },
  // smp_wmb/smp_rmb do not order a store before a load.
  { test: { name: 'SB+wmb+rmb', vars: {}, threads: [[W('x', 1), F('wmb'), R('y', 'r0')], [W('y', 1), F('rmb'), R('x', 'r1')]], exists: sbExists }, sc: 'forbidden', tso: 'allowed', lkmm: 'allowed' },
  // Release/acquire do not order a store before a later load either (x86: plain moves).
  { test: { name: 'SB+rel+acq', vars: {}, threads: [[W('x', 1, 'release'), R('y', 'r0', 'acquire')], [W('y', 1, 'release'), R('x', 'r1', 'acquire')]], exists: sbExists }, sc: 'forbidden', tso: 'allowed', lkmm: 'allowed' },
  // A LOCK'd xchg drains the buffer (set_current_state's smp_store_mb is one).
  { test: { name: 'SB+xchgs', vars: {}, threads: [[X('x', 1), R('y', 'r0')], [X('y', 1), R('x', 'r1')]], exists: sbExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  { test: { name: 'SB+store_mbs', vars: {}, threads: [[W('x', 1, 'mb'), R('y', 'r0')], [W('y', 1, 'mb'), R('x', 'r1')]], exists: sbExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  // smp_mb__after_atomic is only a compiler barrier on x86: the plain store stays buffered.
  // ... and orders nothing in the kernel's model without an atomic before it.
  { test: { name: 'SB+after_atomic', vars: {}, threads: [[W('x', 1), F('after_atomic'), R('y', 'r0')], [W('y', 1), F('after_atomic'), R('x', 'r1')]], exists: sbExists }, sc: 'forbidden', tso: 'allowed', lkmm: 'allowed' },
  // The missing smp_mb__after_atomic(): atomic_add() (no return value) is LOCK'd on x86 but
  // unordered in the kernel's model, so the store before it may pass the load after it.
  { test: { name: 'SB+add', vars: {}, threads: [[W('x', 1), A('z'), R('y', 'r0')], [W('y', 1), A('w'), R('x', 'r1')]], exists: sbExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'allowed' },
  { test: { name: 'SB+add+after_atomic', vars: {}, threads: [[W('x', 1), A('z'), F('after_atomic'), R('y', 'r0')], [W('y', 1), A('w'), F('after_atomic'), R('x', 'r1')]], exists: sbExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  { test: { name: 'SB+before_atomic+add', vars: {}, threads: [[W('x', 1), F('before_atomic'), A('z'), R('y', 'r0')], [W('y', 1), F('before_atomic'), A('w'), R('x', 'r1')]], exists: sbExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  // smp_wmb orders a CPU's stores among themselves, not a store before a later load
  // (explanation.txt, "smp_wmb() forces the CPU to execute all po-earlier stores before any
  // po-later stores"; ASPLOS 2018, Fig. 5: wmb relates writes only): SB stays allowed with
  // smp_wmb on one side and smp_mb on the other.
  { test: { name: 'SB+wmb+mb', vars: {}, threads: [[W('x', 1), F('wmb'), R('y', 'r0')], [W('y', 1), F(), R('x', 'r1')]], exists: sbExists }, sc: 'forbidden', tso: 'allowed', lkmm: 'allowed' },
  // A release orders the CPU's earlier accesses before the release store only: a later load may
  // still pass the earlier store (explanation.txt, "release ... all po-earlier accesses").
  { test: { name: 'SB+porelease+mb', vars: {}, threads: [[W('x', 1), W('z', 1, 'release'), R('y', 'r0')], [W('y', 1), F(), R('x', 'r1')]], exists: sbExists }, sc: 'forbidden', tso: 'allowed', lkmm: 'allowed' },
  // A cmpxchg that fails orders nothing in the kernel's model (Documentation/atomic_t.txt: the
  // ordering of a conditional RMW is only guaranteed on success; herd7 makes a failed cmpxchg a
  // plain read); on x86 it is LOCK'd either way. z is 0, so cmpxchg(z, 1, 2) fails.
  { test: { name: 'SB+cmpxchg-fails', vars: {}, threads: [[W('x', 1), CAS('z', 1, 2, 'r2'), R('y', 'r0')], [W('y', 1), CAS('w', 1, 2, 'r3'), R('x', 'r1')]], exists: sbExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'allowed' },
  // ... but smp_mb__after_atomic() after a failed cmpxchg is a full barrier (the kernel's
  // Documentation/litmus-tests/atomic/cmpxchg-fail-ordered-1: Never).
  { test: { name: 'SB+cmpxchg-fails+after_atomic', vars: {}, threads: [[W('x', 1), CAS('z', 1, 2, 'r2'), F('after_atomic'), R('y', 'r0')], [W('y', 1), CAS('w', 1, 2, 'r3'), F('after_atomic'), R('x', 'r1')]], exists: sbExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  // A failed cmpxchg is no acquire either: the load after it may run first (cmpxchg-fail-unordered-2:
  // Sometimes). P0's cmpxchg succeeds (y was 0), P1's fails (it reads P0's 1), yet P1 reads x=0.
  { test: { name: 'MP+cmpxchg+cmpxchg-fails', vars: {}, threads: [[W('x', 1), CAS('y', 0, 1, 'r0')], [CAS('y', 0, 1, 'r1'), R('x', 'r2')]], exists: { and: [reg(0, 'r0', 0), reg(1, 'r1', 1), reg(1, 'r2', 0)] } }, sc: 'forbidden', tso: 'forbidden', lkmm: 'allowed', inOrder: 'forbidden' },
  // ... and one that succeeds is a full barrier (a value-returning RMW).
  { test: { name: 'SB+cmpxchg-succeeds', vars: {}, threads: [[W('x', 1), CAS('z', 0, 2, 'r2'), R('y', 'r0')], [W('y', 1), CAS('w', 0, 2, 'r3'), R('x', 'r1')]], exists: sbExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  // Store forwarding (x86-TSO paper's n6 shape): each CPU reads its own buffered store early.
  {
    test: { name: 'SB+rfi', vars: {}, threads: [[W('x', 1), R('x', 'r2'), R('y', 'r0')], [W('y', 1), R('y', 'r3'), R('x', 'r1')]], exists: { and: [reg(0, 'r2', 1), reg(1, 'r3', 1), reg(0, 'r0', 0), reg(1, 'r1', 0)] } },
    sc: 'forbidden',
    tso: 'allowed', lkmm: 'allowed',
  },
  // Message passing: stores leave the buffer in order, loads are not reordered.
  { test: { name: 'MP', vars: {}, threads: [[W('x', 1), W('y', 1)], [R('y', 'r0'), R('x', 'r1')]], exists: mpExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'allowed' },
  { test: { name: 'MP+wmb+rmb', vars: {}, threads: [[W('x', 1), F('wmb'), W('y', 1)], [R('y', 'r0'), F('rmb'), R('x', 'r1')]], exists: mpExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  // The write of a relaxed RMW (atomic_inc, set_bit) is a store: smp_wmb orders the store before
  // it (herd7: forbidden). Before, the RMW wrote memory past the buffered store: allowed.
  { test: { name: 'MP+wmb-add+rmb', vars: {}, threads: [[W('x', 1), F('wmb'), A('y')], [R('y', 'r0'), F('rmb'), R('x', 'r1')]], exists: mpExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  { test: { name: 'MP+rel+acq', vars: {}, threads: [[W('x', 1), W('y', 1, 'release')], [R('y', 'r0', 'acquire'), R('x', 'r1')]], exists: mpExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  // The reader's loads may be reordered unless smp_rmb or an acquire orders them (explanation.txt:
  // "smp_rmb() forces the CPU to execute all po-earlier loads before any po-later loads").
  { test: { name: 'MP+wmb+po', vars: {}, threads: [[W('x', 1), F('wmb'), W('y', 1)], [R('y', 'r0'), R('x', 'r1')]], exists: mpExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'allowed', inOrder: 'forbidden' },
  { test: { name: 'MP+wmb+acq', vars: {}, threads: [[W('x', 1), F('wmb'), W('y', 1)], [R('y', 'r0', 'acquire'), R('x', 'r1')]], exists: mpExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  // smp_wmb orders no loads: MP with smp_wmb on both sides is allowed.
  { test: { name: 'MP+wmbs', vars: {}, threads: [[W('x', 1), F('wmb'), W('y', 1)], [R('y', 'r0'), F('wmb'), R('x', 'r1')]], exists: mpExists }, sc: 'forbidden', tso: 'forbidden', lkmm: 'allowed', inOrder: 'forbidden' },
  // The same variable is read in order (coherence of reads, CoRR): never a newer then an older value.
  { test: { name: 'CoRR', vars: {}, threads: [[W('x', 1)], [R('x', 'r0'), R('x', 'r1')]], exists: { and: [reg(1, 'r0', 1), reg(1, 'r1', 0)] } }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  // Load buffering: x86 never lets a store pass an earlier load.
  { test: { name: 'LB', vars: {}, threads: [[R('x', 'r0'), W('y', 1)], [R('y', 'r1'), W('x', 1)]], exists: { and: [reg(0, 'r0', 1), reg(1, 'r1', 1)] } }, sc: 'forbidden', tso: 'forbidden', lkmm: 'allowed', inOrder: 'forbidden' },
  // A control dependency orders a load before a store that depends on it (explanation.txt,
  // "control dependencies"): LB with one on each side, or with smp_mb on the other, is
  // forbidden; with nothing on the other side it is allowed.
  { test: { name: 'LB+ctrls', vars: {}, threads: [[R('x', 'r0'), { ...W('y', 1), when: { r: 'r0', ne: 0 } }], [R('y', 'r1'), { ...W('x', 1), when: { r: 'r1', ne: 0 } }]], exists: { and: [reg(0, 'r0', 1), reg(1, 'r1', 1)] } }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  { test: { name: 'LB+ctrl+mb', vars: {}, threads: [[R('x', 'r0'), { ...W('y', 1), when: { r: 'r0', ne: 0 } }], [R('y', 'r1'), F(), W('x', 1)]], exists: { and: [reg(0, 'r0', 1), reg(1, 'r1', 1)] } }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  { test: { name: 'LB+ctrl+po', vars: {}, threads: [[R('x', 'r0'), { ...W('y', 1), when: { r: 'r0', ne: 0 } }], [R('y', 'r1'), W('x', 1)]], exists: { and: [reg(0, 'r0', 1), reg(1, 'r1', 1)] } }, sc: 'forbidden', tso: 'forbidden', lkmm: 'allowed', inOrder: 'forbidden' },
  // LB is forbidden by a release on one side and an acquire on the other, or by smp_mb on both;
  // smp_rmb does not order a load before a store, nor smp_wmb.
  { test: { name: 'LB+rel+acq', vars: {}, threads: [[R('x', 'r0'), W('y', 1, 'release')], [R('y', 'r1', 'acquire'), W('x', 1)]], exists: { and: [reg(0, 'r0', 1), reg(1, 'r1', 1)] } }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  { test: { name: 'LB+mbs', vars: {}, threads: [[R('x', 'r0'), F(), W('y', 1)], [R('y', 'r1'), F(), W('x', 1)]], exists: { and: [reg(0, 'r0', 1), reg(1, 'r1', 1)] } }, sc: 'forbidden', tso: 'forbidden', lkmm: 'forbidden' },
  { test: { name: 'LB+rmb+wmb', vars: {}, threads: [[R('x', 'r0'), F('rmb'), W('y', 1)], [R('y', 'r1'), F('wmb'), W('x', 1)]], exists: { and: [reg(0, 'r0', 1), reg(1, 'r1', 1)] } }, sc: 'forbidden', tso: 'forbidden', lkmm: 'allowed', inOrder: 'forbidden' },
  // Write-to-read causality: TSO is multi-copy atomic.
  {
    test: { name: 'WRC', vars: {}, threads: [[W('x', 1)], [R('x', 'r0'), W('y', 1)], [R('y', 'r1'), R('x', 'r2')]], exists: { and: [reg(1, 'r0', 1), reg(2, 'r1', 1), reg(2, 'r2', 0)] } },
    sc: 'forbidden',
    tso: 'forbidden', lkmm: 'allowed',
  },
  // ... forbidden by a release on the middle CPU and smp_rmb on the reader (explanation.txt: a
  // release is A-cumulative).
  {
    test: { name: 'WRC+rel+rmb', vars: {}, threads: [[W('x', 1)], [R('x', 'r0'), W('y', 1, 'release')], [R('y', 'r1'), F('rmb'), R('x', 'r2')]], exists: { and: [reg(1, 'r0', 1), reg(2, 'r1', 1), reg(2, 'r2', 0)] } },
    sc: 'forbidden',
    tso: 'forbidden', lkmm: 'forbidden',
  },
  // Independent reads of independent writes: both readers agree on the order of the two stores.
  {
    test: {
      name: 'IRIW',
      vars: {},
      threads: [[W('x', 1)], [W('y', 1)], [R('x', 'r0'), R('y', 'r1')], [R('y', 'r2'), R('x', 'r3')]],
      exists: { and: [reg(2, 'r0', 1), reg(2, 'r1', 0), reg(3, 'r2', 1), reg(3, 'r3', 0)] },
    },
    sc: 'forbidden',
    tso: 'forbidden', lkmm: 'allowed',
  },
  // ... forbidden with smp_mb between each reader's loads (explanation.txt: IRIW needs strong fences).
  {
    test: {
      name: 'IRIW+mbs',
      vars: {},
      threads: [[W('x', 1)], [W('y', 1)], [R('x', 'r0'), F(), R('y', 'r1')], [R('y', 'r2'), F(), R('x', 'r3')]],
      exists: { and: [reg(2, 'r0', 1), reg(2, 'r1', 0), reg(3, 'r2', 1), reg(3, 'r3', 0)] },
    },
    sc: 'forbidden',
    tso: 'forbidden', lkmm: 'forbidden',
  },
  // Not multi-copy atomic (explanation.txt, "propagation"; ASPLOS 2018, cumul-fence): a store
  // reaches CPUs one at a time. WRC with a control dependency on the middle CPU (its load before
  // its store) and smp_rmb on the reader: nothing A-cumulative makes x=1 reach P2 before y=1 does
  // (herd7: allowed; x86-TSO is multi-copy atomic: forbidden).
  {
    test: { name: 'WRC+ctrl+rmb', vars: {}, threads: [[W('x', 1)], [R('x', 'r0'), { ...W('y', 1), when: { r: 'r0', ne: 0 } }], [R('y', 'r1'), F('rmb'), R('x', 'r2')]], exists: { and: [reg(1, 'r0', 1), reg(2, 'r1', 1), reg(2, 'r2', 0)] } },
    sc: 'forbidden',
    tso: 'forbidden', lkmm: 'allowed',
  },
  // Z6.0 through a lock handoff: P0's stores reach every CPU before P1's store after the lock
  // (po-unlock-lock-po is a cumul-fence), but the handoff is no strong fence: z=2 follows z=1 in
  // the coherence order without P2 having seen z=1, so P2's smp_mb propagates only z=2 and x=1
  // may still be on its way to P2 (the kernel's Z6.0+pooncelock+pooncelock+pombonce: Sometimes).
  {
    test: { name: 'Z6.0+locks+mb', vars: {}, locks: ['s'], threads: [[LOCK('s'), W('x', 1), W('y', 1), UNLOCK('s')], [LOCK('s'), R('y', 'r0'), W('z', 1), UNLOCK('s')], [W('z', 2), F(), R('x', 'r1')]], exists: { and: [reg(1, 'r0', 1), mem('z', 2), reg(2, 'r1', 0)] } },
    sc: 'forbidden',
    tso: 'forbidden', lkmm: 'allowed',
  },
  // ... with smp_mb after P1's lock (smp_mb__after_spinlock), x=1 reaches every CPU before z=1
  // leaves P1 (a strong fence is A-cumulative): forbidden (Z6.0+pooncelock+poonceLock+pombonce: Never).
  {
    test: { name: 'Z6.0+lock-mb+mb', vars: {}, locks: ['s'], threads: [[LOCK('s'), W('x', 1), W('y', 1), UNLOCK('s')], [LOCK('s'), F(), R('y', 'r0'), W('z', 1), UNLOCK('s')], [W('z', 2), F(), R('x', 'r1')]], exists: { and: [reg(1, 'r0', 1), mem('z', 2), reg(2, 'r1', 0)] } },
    sc: 'forbidden',
    tso: 'forbidden', lkmm: 'forbidden',
  },
  // The same through a release-acquire chain (Z6.0+pooncerelease+poacquirerelease+fencembonceonce: Sometimes) ...
  {
    test: { name: 'Z6.0+rel+acq-rel+mb', vars: {}, threads: [[W('x', 1), W('y', 1, 'release')], [R('y', 'r0', 'acquire'), W('z', 1, 'release')], [W('z', 2), F(), R('x', 'r1')]], exists: { and: [reg(1, 'r0', 1), mem('z', 2), reg(2, 'r1', 0)] } },
    sc: 'forbidden',
    tso: 'forbidden', lkmm: 'allowed',
  },
  // ... where a reader that acquires z=1 must see x=1: the releases are A-cumulative, so x=1
  // reaches every CPU before y=1, and y=1 (seen by P1) before z=1 (ISA2 with release/acquire:
  // ISA2+pooncerelease+poacquirerelease+poacquireonce: Never).
  {
    test: { name: 'ISA2+rel+acq-rel+acq', vars: {}, threads: [[W('x', 1), W('y', 1, 'release')], [R('y', 'r0', 'acquire'), W('z', 1, 'release')], [R('z', 'r1', 'acquire'), R('x', 'r2')]], exists: { and: [reg(1, 'r0', 1), reg(2, 'r1', 1), reg(2, 'r2', 0)] } },
    sc: 'forbidden',
    tso: 'forbidden', lkmm: 'forbidden',
  },
  // An unlock followed by a lock of another lock on one CPU orders its stores before and after
  // to every CPU (po-unlock-lock-po; the kernel's MP+unlocklockonceonce+fencermbonceonce: Never).
  {
    test: { name: 'MP+unlock-lock+rmb', vars: {}, locks: ['s', 't'], threads: [[LOCK('s'), W('x', 1), UNLOCK('s'), LOCK('t'), W('y', 1), UNLOCK('t')], [R('y', 'r0'), F('rmb'), R('x', 'r1')]], exists: mpExists },
    sc: 'forbidden',
    tso: 'forbidden', lkmm: 'forbidden',
  },
  // 2+2W: each CPU's two stores reach memory in order.
  { test: { name: '2+2W', vars: {}, threads: [[W('x', 1), W('y', 2)], [W('y', 1), W('x', 2)]], exists: { and: [mem('x', 1), mem('y', 1)] } }, sc: 'forbidden', tso: 'forbidden', lkmm: 'allowed' },
  // R: a store then a load on P1, reordered as in SB; forbidden with a fence on P1.
  { test: { name: 'R', vars: {}, threads: [[W('x', 1), W('y', 1)], [W('y', 2), R('x', 'r0')]], exists: { and: [mem('y', 2), reg(1, 'r0', 0)] } }, sc: 'forbidden', tso: 'allowed', lkmm: 'allowed' },
  { test: { name: 'R+mb', vars: {}, threads: [[W('x', 1), W('y', 1)], [W('y', 2), F(), R('x', 'r0')]], exists: { and: [mem('y', 2), reg(1, 'r0', 0)] } }, sc: 'forbidden', tso: 'forbidden', lkmm: 'allowed' },
  // R with smp_wmb on the writer: herd7 allows it (the kernel's R+fencembonceonces says weakening
  // either smp_mb allows it: smp_wmb is not strong enough for a coherence link). y=1 reaches
  // every CPU after x=1, but P1's y=2 follows y=1 in the coherence order without P1 seeing y=1,
  // so P1's smp_mb makes only y=2 reach every CPU, and x=1 may still be on its way to P1.
  { test: { name: 'R+wmb+mb', vars: {}, threads: [[W('x', 1), F('wmb'), W('y', 1)], [W('y', 2), F(), R('x', 'r0')]], exists: { and: [mem('y', 2), reg(1, 'r0', 0)] } }, sc: 'forbidden', tso: 'forbidden', lkmm: 'allowed' },
  // S: a load then a store on P1; x86 keeps them in order.
  { test: { name: 'S', vars: {}, threads: [[W('x', 2), W('y', 1)], [R('y', 'r0'), W('x', 1)]], exists: { and: [mem('x', 2), reg(1, 'r0', 1)] } }, sc: 'forbidden', tso: 'forbidden', lkmm: 'allowed' },
  // A sanity check that outcomes SC allows are found under both: SB's interleaved outcome.
  { test: { name: 'SB-sc-outcome', vars: {}, threads: [[W('x', 1), R('y', 'r0')], [W('y', 1), R('x', 'r1')]], exists: { and: [reg(0, 'r0', 1), reg(1, 'r1', 1)] } }, sc: 'allowed', tso: 'allowed', lkmm: 'allowed' },
];
