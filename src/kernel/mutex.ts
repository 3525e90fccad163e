// struct mutex: a sleeping lock. Same ownership word as a spinlock; mutex_lock is tagged
// `might_sleep` so the no-sleep-in-atomic property can check the context it is taken in.

import { definedAt } from '../model/where.js';
import type { LocationDef } from '../model/index.js';
import { lockdepAcquired } from './lockdep.js';
import { UNLOCKED, holderName, type LockRef, type LockStepOptions, type Spinlock } from './spinlock.js';

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
  return {
    id,
    actions: [
      {
        label: o.label ?? `${fn}: mutex_lock(&${m.name})`,
        fn,
        guard: extra ? (s, env) => m.get(s).holder === UNLOCKED && extra(s, env) : (s) => m.get(s).holder === UNLOCKED,
        blockedOn: (s, env) =>
          m.get(s).holder === UNLOCKED ? 'its context to allow it' : `${m.name} (sleeping), held by ${holderName(m.get(s), env)}`,
        run: (d, env) => {
          m.get(d).holder = env.self;
          lockdepAcquired(d, m, env.self);
          o.run?.(d, env);
        },
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
        run: (d, env) => {
          const l = m.get(d);
          env.bugOn(l.holder !== env.self, `mutex_unlock(&${m.name}) by a non-owner`);
          l.holder = UNLOCKED;
          o.run?.(d, env);
        },
        where: definedAt(),
        tags: ['mutex_unlock', `unlock:${m.name}`, ...(o.tags ?? [])],
        ...(o.next !== undefined ? { next: o.next } : {}),
      },
    ],
  };
}
