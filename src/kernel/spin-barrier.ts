// spin_barrier(&lock): wait until the lock is seen free, without taking it. Afterwards every
// critical section that had begun before the barrier has ended (Xen's domain_kill() uses it on
// d->domain_lock after setting d->is_dying). A step enabled only while the lock is free: a
// barrier behind a lock that is never released shows up as a deadlock naming the holder.

import type { Draft, LocationDef, StepEnv } from '../model/index.js';
import { declareStraight } from '../model/straight.js';
import { UNLOCKED, holderName, type LockRef } from './spinlock.js';

export interface BarrierStepOptions<S> {
  next?: string;
  run?: (d: Draft<S>, env: StepEnv) => void;
  label?: string;
  tags?: string[];
}

export function spinBarrier<S>(id: string, fn: string, lock: LockRef<S>, o: BarrierStepOptions<S> = {}): LocationDef<S> {
  const get = lock.get;
  const free = declareStraight((s: S) => lock.get(s).holder === UNLOCKED, { fn: (s: S) => get(s).holder === UNLOCKED, bind: { get, UNLOCKED } });
  return {
    id,
    actions: [
      {
        label: o.label ?? `${fn}: spin_barrier(&${lock.name})`,
        fn,
        guard: free,
        blockedOn: (s, env) => `${lock.name} to be released, held by ${holderName(lock.get(s), env)}`,
        ...(o.run ? { run: o.run } : {}),
        tags: ['spin_barrier', `barrier:${lock.name}`, ...(o.tags ?? [])],
        ...(o.next !== undefined ? { next: o.next } : {}),
      },
    ],
  };
}
