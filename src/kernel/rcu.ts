// RCU protecting one object (Xen's rcu_lock_domain_by_id / rcu_unlock_domain on a struct
// domain, the kernel's rcu_read_lock around a lookup) and one call_rcu() callback that frees it.
//
// `reader[t]`: thread t is inside a read-side critical section on the object. call_rcu()
// snapshots the readers into `waitFor`; the callback may run once every thread in the snapshot
// has left its critical section (the grace period). Readers that begin after call_rcu() do not
// delay it: that is RCU's contract, and why the object must be unpublished (so no new reader can
// find it) before call_rcu(). Functions to call inside recipes and guards.

import { declareStraight } from '../model/straight.js';

export type Rcu = {
  reader: boolean[];
  /** The readers the pending grace period still waits for. */
  waitFor: boolean[];
  /** A call_rcu() callback is queued and has not started. */
  queued: boolean;
};

export function rcu(threads: number): Rcu {
  return {
    reader: Array.from({ length: threads }, () => false),
    waitFor: Array.from({ length: threads }, () => false),
    queued: false,
  };
}

export function rcuReadLock(r: Rcu, self: number): void {
  r.reader[self] = true;
}

export function rcuReadUnlock(r: Rcu, self: number): void {
  r.reader[self] = false;
  r.waitFor[self] = false;
}

/** call_rcu(): queue the callback behind a grace period covering the current readers. */
export function callRcu(r: Rcu): void {
  for (let t = 0; t < r.reader.length; t++) r.waitFor[t] = r.reader[t] === true;
  r.queued = true;
}

/** The queued callback may run: every reader that predates call_rcu() has left. */
export function rcuGracePeriodOver(r: Rcu): boolean {
  return r.queued && !r.waitFor.some((w) => w);
}

/** The callback starts (it is dequeued). */
// The step compiler's form of rcuGracePeriodOver: the same test as a loop (it does not compile
// `.some` with a callback); `waitFor` holds booleans, so `w` and `r.waitFor[t]` test alike.
declareStraight(rcuGracePeriodOver, {
  fn: (r: Rcu): boolean => {
    if (!r.queued) return r.queued;
    for (let t = 0; t < r.waitFor.length; t++) if (r.waitFor[t]) return false;
    return true;
  },
});

export function rcuCallbackStart(r: Rcu): void {
  r.queued = false;
}

/** Threads inside a read-side critical section. */
export function rcuReaders(r: Rcu): number[] {
  const out: number[] = [];
  for (let t = 0; t < r.reader.length; t++) if (r.reader[t]) out.push(t);
  return out;
}
// Its straight form (a property compiled over the packed state: straight.ts lists): the same
// indices, in the same order.
declareStraight(rcuReaders, { fn: (r: Rcu) => r.reader.map((_, t) => t).filter((t) => r.reader[t]) });
