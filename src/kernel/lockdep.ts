// lockdep, built in: once lock classes are registered with a tracker, every spin_lock,
// mutex_lock and first spin_lock_recursive of one of them records the order it was taken in
// (an edge from every class the thread already holds), with no hook in the model's steps. The
// ready-made `lock-order` property (properties/lock-order.ts) then reports an inversion at the
// acquisition that closes a cycle, with both chains, as lockdep's "possible circular locking
// dependency" splat does; whether or not the schedule that deadlocks on it happens.
//
//   type S = { a: Spinlock; b: Spinlock; lockdep: LockOrder };
//   const A = lockRef<S>('A', (s) => s.a);
//   const B = lockRef<S>('B', (s) => s.b);
//   export const LOCKDEP = lockdep<S>((s) => s.lockdep, [A, B]);   // init: { ..., lockdep: LOCKDEP.initial() }
//
// The record is a ghost variable (a classes × classes matrix of booleans in the state): no kernel
// state, only the model's memory of the run, so it adds states only where two runs differ in
// which orders they have seen. It holds class indices, never thread indices: symmetry-safe.

import type { Draft } from '../model/index.js';
import { lockOrder, type LockOrder } from './lock-order.js';
import type { LockRef } from './spinlock.js';

export interface Lockdep<S> {
  /** The registered lock classes, in order (the matrix's indices). */
  readonly classes: readonly LockRef<S>[];
  /** Where the order record lives in the state. */
  get(state: S | Draft<S>): LockOrder;
  /** The initial record (no order seen): put it in the model's initial state. */
  initial(): LockOrder;
  /** The class index of a lock name, or -1. */
  classOf(name: string): number;
}

/** Where a registered lock records its order (set on the LockRef by `lockdep`). */
export interface LockdepLink<S> {
  tracker: Lockdep<S>;
  index: number;
}

/** Register `classes` with a tracker whose record lives at `get(state)`; their lock steps record order from now on. */
export function lockdep<S>(get: (state: S) => LockOrder, classes: readonly LockRef<S>[]): Lockdep<S> {
  const names = classes.map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new Error(`lockdep: two lock classes are named '${dup}'`);
  const tracker: Lockdep<S> = {
    classes,
    get: get as Lockdep<S>['get'],
    initial: () => lockOrder(classes.length),
    classOf: (name) => names.indexOf(name),
  };
  classes.forEach((c, index) => {
    const link = (c as { lockdep?: LockdepLink<S> }).lockdep;
    if (link && link.tracker !== tracker) throw new Error(`lockdep: lock ${c.name} is already registered with another tracker`);
    (c as { lockdep?: LockdepLink<S> }).lockdep = { tracker, index };
  });
  return tracker;
}

/**
 * Called by the lock steps after `self` has taken `lock` for the first time (not a recursive
 * re-take): records an edge from every other registered class `self` holds. A no-op for a lock
 * that no tracker knows.
 */
export function lockdepAcquired<S>(d: Draft<S>, lock: LockRef<S>, self: number): void {
  const link = lock.lockdep as LockdepLink<S> | undefined;
  if (!link) return;
  const { tracker, index } = link;
  const order = tracker.get(d);
  const classes = tracker.classes;
  for (let held = 0; held < classes.length; held++) {
    if (held === index) continue;
    if (classes[held]!.get(d).holder === self && !order.after[held]![index]) order.after[held]![index] = true;
  }
}

/** A chain of classes from `from` to `to` along recorded edges (breadth-first: shortest), or null. */
export function lockdepChain(order: LockOrder, from: number, to: number): number[] | null {
  const prev = new Map<number, number>([[from, -1]]);
  const queue = [from];
  while (queue.length) {
    const a = queue.shift()!;
    if (a === to) {
      const chain = [a];
      for (let p = prev.get(a)!; p !== -1; p = prev.get(p)!) chain.unshift(p);
      return chain;
    }
    const row = order.after[a]!;
    for (let b = 0; b < row.length; b++) if (row[b] && !prev.has(b)) (prev.set(b, a), queue.push(b));
  }
  return null;
}
