// A recursive spinlock: Xen's spin_lock_recursive / spin_unlock_recursive (d->domain_lock, and
// the mm locks of arch/x86/mm/mm-locks.h, the p2m lock among them). The CPU that holds it may
// take it again without spinning; every other CPU spins until the depth is back to zero.
//
// State: the owner word of a spinlock_t (the holder's thread index, -1 when free: a thread stands
// for the physical CPU it runs on, which is what Xen's `recurse_cpu` records) plus the depth
// (`recurse_cnt`). Taking it is a step enabled only while it is free or held by the taker, so a
// CPU spinning forever shows up as a deadlock naming the holder.

import { declareStraight } from '../model/straight.js';
import { definedAt } from '../model/where.js';
import type { Draft, LocationDef, StepEnv } from '../model/index.js';
import { lockdepAcquired } from './lockdep.js';
import { UNLOCKED, holderName, type LockRef, type LockStepOptions, type Spinlock } from './spinlock.js';

export interface RecursiveSpinlock extends Spinlock {
  /** recurse_cnt: how many times the holder has taken it (0 when free). */
  depth: number;
}

export function recursiveSpinlock(): RecursiveSpinlock {
  return { holder: UNLOCKED, depth: 0 };
}

/** A named recursive lock and where it lives in the state. Usable wherever a LockRef is. */
export interface RecursiveLockRef<S> extends LockRef<S> {
  get(state: S | Draft<S>): RecursiveSpinlock;
}

export function recursiveLockRef<S>(name: string, get: (state: S) => RecursiveSpinlock): RecursiveLockRef<S> {
  return { name, get: get as RecursiveLockRef<S>['get'] };
}

export interface RecursiveLockStepOptions<S> extends LockStepOptions<S> {
  /** Runs on a first acquisition only (depth 0 -> 1), before `run`: e.g. record the lock order. */
  onAcquire?: (d: Draft<S>, env: StepEnv) => void;
  /**
   * Runs when the holder takes it again (depth > 1), before `run`. Xen's non-recursive
   * `mm_lock()` is a recursive spinlock that panics here ("mm lock already held").
   */
  onReentry?: (d: Draft<S>, env: StepEnv) => void;
}

const nothing = () => {};

/** `spin_lock_recursive(&lock)` in function `fn`. */
export function spinLockRecursive<S>(
  id: string,
  fn: string,
  lock: RecursiveLockRef<S>,
  o: RecursiveLockStepOptions<S> = {},
): LocationDef<S> {
  const extra = o.guard;
  const get = lock.get;
  const free = declareStraight(
    (s: S, env: StepEnv) => {
      const h = lock.get(s).holder;
      return h === UNLOCKED || h === env.self;
    },
    {
      fn: (s: S, env: StepEnv) => {
        const h = get(s).holder;
        return h === UNLOCKED || h === env.self;
      },
      bind: { get, UNLOCKED },
    },
  );
  const onReentry = o.onReentry;
  const onAcquire = o.onAcquire;
  const more = o.run;
  const take = (d: Draft<S>, env: StepEnv) => {
    const l = lock.get(d);
    if (l.holder === env.self) {
      l.depth += 1;
      o.onReentry?.(d, env);
    } else {
      l.holder = env.self;
      l.depth = 1;
      lockdepAcquired(d, lock, env.self);
      o.onAcquire?.(d, env);
    }
    o.run?.(d, env);
  };
  // Its straight form: the same statements over the bound parts, lockdep's record bound as in
  // spinlock.ts's lockTake (nothing for a lock no tracker knows; else undefined: refused, so the
  // step keeps the general path, which records the order).
  const recorded = nothing as unknown as (d: Draft<S>, self: number) => void;
  declareStraight(take, {
    fn: (d: Draft<S>, env: StepEnv) => {
      const l = get(d);
      if (l.holder === env.self) {
        l.depth += 1;
        onReentry?.(d, env);
      } else {
        l.holder = env.self;
        l.depth = 1;
        recorded(d, env.self);
        onAcquire?.(d, env);
      }
      more?.(d, env);
    },
    bind: {
      get,
      onReentry,
      onAcquire,
      more,
      get recorded() {
        return lock.lockdep === undefined ? nothing : undefined;
      },
    },
  });
  return {
    id,
    actions: [
      {
        label: o.label ?? `${fn}: spin_lock_recursive(&${lock.name})`,
        fn,
        guard: extra ? declareStraight((s: S, env: StepEnv) => free(s, env) && extra(s, env), { bind: { free, extra } }) : free,
        blockedOn: (s, env) =>
          free(s, env) ? 'its context to allow it' : `${lock.name}, held by ${holderName(lock.get(s), env)}`,
        run: take,
        where: definedAt(),
        tags: ['spin_lock', `lock:${lock.name}`, ...(o.tags ?? [])],
        ...(o.next !== undefined ? { next: o.next } : {}),
      },
    ],
  };
}

/** `spin_unlock_recursive(&lock)`: releasing a lock the CPU does not hold is a BUG. */
export function spinUnlockRecursive<S>(
  id: string,
  fn: string,
  lock: RecursiveLockRef<S>,
  o: LockStepOptions<S> = {},
): LocationDef<S> {
  const get = lock.get;
  const tag = unlockByNonOwnerTag(lock.name);
  const more = o.run;
  const release = (d: Draft<S>, env: StepEnv) => {
    const l = lock.get(d);
    env.bugOn(l.holder !== env.self, unlockByNonOwnerTag(lock.name));
    l.depth -= 1;
    if (l.depth === 0) l.holder = UNLOCKED;
    o.run?.(d, env);
  };
  declareStraight(release, {
    fn: (d: Draft<S>, env: StepEnv) => {
      const l = get(d);
      env.bugOn(l.holder !== env.self, tag);
      l.depth -= 1;
      if (l.depth === 0) l.holder = UNLOCKED;
      more?.(d, env);
    },
    bind: { get, tag, UNLOCKED, more },
  });
  return {
    id,
    actions: [
      {
        label: o.label ?? `${fn}: spin_unlock_recursive(&${lock.name})`,
        fn,
        ...(o.guard ? { guard: o.guard } : {}),
        run: release,
        where: definedAt(),
        tags: ['spin_unlock', `unlock:${lock.name}`, ...(o.tags ?? [])],
        ...(o.next !== undefined ? { next: o.next } : {}),
      },
    ],
  };
}

/** The BUG_ON tag `spinUnlockRecursive` fires (declare it with an assertion property). */
export function unlockByNonOwnerTag(lockName: string): string {
  return `spin_unlock_recursive(&${lockName}) by a non-owner`;
}
