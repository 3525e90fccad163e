// struct mutex: a sleeping lock. Same ownership word as a spinlock; mutex_lock is tagged
// `might_sleep` so the no-sleep-in-atomic property can check the context it is taken in.

import { definedAt } from '../model/where.js';
import { declareStraight } from '../model/straight.js';
import type { LocationDef, StepEnv } from '../model/index.js';
import { UNLOCKED, holderName, lockRelease, lockTake, type LockRef, type LockStepOptions, type Spinlock } from './spinlock.js';

export type Mutex = Spinlock;

/** DEFINE_MUTEX. */
export function mutex(): Mutex {
  return { holder: UNLOCKED };
}

export function mutexIsLocked(m: Mutex): boolean {
  return m.holder !== UNLOCKED;
}

export function mutexLock<S, L extends object = {}>(id: string, fn: string, m: LockRef<S>, o: LockStepOptions<S, L> = {}): LocationDef<S, L> {
  const extra = o.guard;
  // Each guard is its own straight form (declareStraight), with the names it reads bound.
  const get = m.get;
  const free = (s: S) => get(s).holder === UNLOCKED;
  const freeAnd = (s: S, env: StepEnv<L>) => get(s).holder === UNLOCKED && extra!(s, env);
  return {
    id,
    actions: [
      {
        label: o.label ?? `${fn}: mutex_lock(&${m.name})`,
        fn,
        guard: extra ? declareStraight(freeAnd, { fn: freeAnd, bind: { get, UNLOCKED, extra } }) : declareStraight(free, { fn: free, bind: { get, UNLOCKED } }),
        blockedOn: (s, env) =>
          m.get(s).holder === UNLOCKED ? 'its context to allow it' : `${m.name} (sleeping), held by ${holderName(m.get(s), env)}`,
        run: lockTake(m, o.run),
        where: definedAt(),
        tags: ['mutex_lock', 'might_sleep', `lock:${m.name}`, ...(o.tags ?? [])],
        ...(o.next !== undefined ? { next: o.next } : {}),
      },
    ],
  };
}

export function mutexUnlock<S, L extends object = {}>(id: string, fn: string, m: LockRef<S>, o: LockStepOptions<S, L> = {}): LocationDef<S, L> {
  return {
    id,
    actions: [
      {
        label: o.label ?? `${fn}: mutex_unlock(&${m.name})`,
        fn,
        ...(o.guard ? { guard: o.guard } : {}),
        run: lockRelease(m, `mutex_unlock(&${m.name}) by a non-owner`, o.run),
        where: definedAt(),
        tags: ['mutex_unlock', `unlock:${m.name}`, ...(o.tags ?? [])],
        ...(o.next !== undefined ? { next: o.next } : {}),
      },
    ],
  };
}
