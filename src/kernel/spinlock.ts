// spinlock_t: a lock word holding the owner's thread index, or -1 when free. spin_lock is a
// step enabled only while the lock is free (spinning is not a state change), so a thread
// spinning forever shows up as a deadlock naming the holder.

import { definedAt } from '../model/where.js';
import { declareStraight } from '../model/straight.js';
import type { Draft, LocationDef, StepEnv } from '../model/index.js';
import { lockdepAcquired } from './lockdep.js';

export interface Spinlock {
  holder: number;
}

export const UNLOCKED = -1;

/** The initial state of a spinlock (DEFINE_SPINLOCK). */
export function spinlock(): Spinlock {
  return { holder: UNLOCKED };
}

/** A named lock and where it lives in the state: `lockRef('kvm_lock', s => s.kvm_lock)`. */
export interface LockRef<S> {
  name: string;
  get(state: S | Draft<S>): Spinlock;
  /** Set by `lockdep(...)` (src/kernel/lockdep.ts): where this lock's acquisitions record their order. */
  lockdep?: unknown;
}

export function lockRef<S>(name: string, get: (state: S) => Spinlock): LockRef<S> {
  return { name, get: get as LockRef<S>['get'] };
}

export function spinIsLocked(lock: Spinlock): boolean {
  return lock.holder !== UNLOCKED;
}

declareStraight(spinIsLocked, { bind: { UNLOCKED } });

export function heldBy(lock: Spinlock, thread: number): boolean {
  return lock.holder === thread;
}

export function holderName(lock: Spinlock, env: Pick<StepEnv, 'threadNames'>): string {
  return lock.holder === UNLOCKED ? 'nobody' : (env.threadNames[lock.holder] ?? `thread ${lock.holder}`);
}

export interface LockStepOptions<S, L extends object = {}> {
  /** Where control goes afterwards. */
  next?: string;
  /** Extra update in the same atomic step (e.g. the statement right after the lock). */
  run?: (d: Draft<S>, env: StepEnv<L>) => void;
  /** Label override (defaults to `fn: spin_lock(&name)`). */
  label?: string;
  /** Extra guard (e.g. "this CPU is not interrupted"). */
  guard?: (s: S, env: StepEnv<L>) => boolean;
  tags?: string[];
}

/** `spin_lock(&lock)` in function `fn`. */
export function spinLock<S, L extends object = {}>(id: string, fn: string, lock: LockRef<S>, o: LockStepOptions<S, L> = {}): LocationDef<S, L> {
  const extra = o.guard;
  // Each guard is its own straight form (declareStraight), with the names it reads bound.
  const get = lock.get;
  const free = (s: S) => get(s).holder === UNLOCKED;
  const freeAnd = (s: S, env: StepEnv<L>) => get(s).holder === UNLOCKED && extra!(s, env);
  return {
    id,
    actions: [
      {
        label: o.label ?? `${fn}: spin_lock(&${lock.name})`,
        fn,
        guard: extra ? declareStraight(freeAnd, { fn: freeAnd, bind: { get, UNLOCKED, extra } }) : declareStraight(free, { fn: free, bind: { get, UNLOCKED } }),
        blockedOn: (s, env) =>
          lock.get(s).holder === UNLOCKED ? 'its context to allow it' : `${lock.name}, held by ${holderName(lock.get(s), env)}`,
        run: lockTake(lock, o.run),
        where: definedAt(),
        tags: ['spin_lock', `lock:${lock.name}`, ...(o.tags ?? [])],
        ...(o.next !== undefined ? { next: o.next } : {}),
      },
    ],
  };
}

/** `spin_unlock(&lock)`: releasing a lock the thread does not hold is a BUG (spinlock debugging). */
export function spinUnlock<S, L extends object = {}>(id: string, fn: string, lock: LockRef<S>, o: LockStepOptions<S, L> = {}): LocationDef<S, L> {
  return {
    id,
    actions: [
      {
        label: o.label ?? `${fn}: spin_unlock(&${lock.name})`,
        fn,
        ...(o.guard ? { guard: o.guard } : {}),
        run: lockRelease(lock, `spin_unlock(&${lock.name}) by a non-owner`, o.run),
        where: definedAt(),
        tags: ['spin_unlock', `unlock:${lock.name}`, ...(o.tags ?? [])],
        ...(o.next !== undefined ? { next: o.next } : {}),
      },
    ],
  };
}

const nothing = () => {};

/**
 * The recipe of a lock's acquisition (spin_lock, mutex_lock): the lock word, lockdep's record,
 * then the step's own `more`. Its straight form is the same statements with lockdep's record
 * bound as `recorded(d, self)`: nothing for a lock no tracker knows when the step is compiled
 * (on its first use: trackers are registered when the model's module loads or builds), else
 * undefined, whose call the compiler refuses, so the step keeps the general path (which records
 * the order).
 */
export function lockTake<S, L extends object>(lock: LockRef<S>, more: ((d: Draft<S>, env: StepEnv<L>) => void) | undefined): (d: Draft<S>, env: StepEnv<L>) => void {
  const get = lock.get;
  const take = (d: Draft<S>, env: StepEnv<L>) => {
    get(d).holder = env.self;
    lockdepAcquired(d, lock, env.self);
    more?.(d, env);
  };
  const form = (d: Draft<S>, env: StepEnv<L>) => {
    get(d).holder = env.self;
    recorded(d, env.self);
    more?.(d, env);
  };
  const recorded = nothing as unknown as (d: Draft<S>, self: number) => void;
  return declareStraight(take, {
    fn: form,
    bind: {
      get,
      more,
      get recorded() {
        return lock.lockdep === undefined ? nothing : undefined;
      },
    },
  });
}

/**
 * The recipe of a lock's release (spin_unlock, mutex_unlock): BUG_ON(`tag`) when the thread does
 * not hold it, the lock word, then the step's own `more`; its straight form is itself.
 */
export function lockRelease<S, L extends object>(lock: LockRef<S>, tag: string, more: ((d: Draft<S>, env: StepEnv<L>) => void) | undefined): (d: Draft<S>, env: StepEnv<L>) => void {
  const get = lock.get;
  const release = (d: Draft<S>, env: StepEnv<L>) => {
    const l = get(d);
    env.bugOn(l.holder !== env.self, tag);
    l.holder = UNLOCKED;
    more?.(d, env);
  };
  return declareStraight(release, { fn: release, bind: { get, tag, UNLOCKED, more } });
}
