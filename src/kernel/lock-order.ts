// Lock-order recording, lockdep's dependency graph reduced to a fixed list of lock classes.
//
// `after[a][b]` is set (a ghost variable: no kernel state, only the model's memory of the run)
// once some thread took class b while it held class a. If both a->b and b->a have been
// recorded, two paths take the pair in opposite orders: an ABBA inversion, reported whether or
// not the schedule that deadlocks on it happens in the same run — as lockdep does.
//
// Call `lockOrderNoteAcquire` on a *first* acquisition only (a recursive re-take by the holder
// cannot wait, so it orders nothing): `spinLockRecursive`'s `onAcquire` hook, or a plain
// `spinLock`'s `run` (which runs after the holder word is set; the acquired class is skipped).

import type { Draft } from '../model/index.js';
import type { LockRef } from './spinlock.js';

export type LockOrder = { after: boolean[][] };

/** No order recorded yet among `classes` lock classes. */
export function lockOrder(classes: number): LockOrder {
  return { after: Array.from({ length: classes }, () => Array.from({ length: classes }, () => false)) };
}

/**
 * Thread `self` has just acquired lock class `acquired` (an index into `classes`): record an
 * edge from every other class it holds. `vars` is the state (draft) the locks live in.
 */
export function lockOrderNoteAcquire<S>(
  vars: S | Draft<S>,
  order: LockOrder | Draft<LockOrder>,
  classes: readonly LockRef<S>[],
  acquired: number,
  self: number,
): void {
  // One `if` (no `continue`): the step compiler inlines this loop, unrolled, where `classes` is a
  // frozen array of frozen lock references bound by the caller's form (xen-remove-from-physmap).
  for (let held = 0; held < classes.length; held++) {
    if (held !== acquired && classes[held]!.get(vars).holder === self) order.after[held]![acquired] = true;
  }
}

/** The first pair [a, b] (a < b) recorded in both orders, or null when the order is consistent. */
export function lockOrderInversion(order: LockOrder): [number, number] | null {
  const n = order.after.length;
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) if (order.after[a]![b] && order.after[b]![a]) return [a, b];
  return null;
}
