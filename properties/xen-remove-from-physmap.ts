// Properties of the XENMEM_remove_from_physmap model (models/xen-remove-from-physmap.ts, seed 002).
//
//   locks-released       every lock (d->domain_lock, the p2m/gfn lock) taken on a path is
//                        released by the time the path ends, the error paths included;
//   rcu-unlocked         every rcu_lock_target_domain_by_id is matched by rcu_unlock_domain on
//                        every exit (the -EPERM early return included);
//   deadlock             every thread can finish: nobody spins forever on a lock or a barrier;
//   lock-order           no two paths take the domain lock and the p2m lock in opposite orders
//                        (lockdep's ABBA check, over the ghost order record the model keeps);
//   no-free-under-reader the struct domain is not freed while an RCU reader still holds it;
//   assertions           the BUG/panic the modelled code can hit (unlock by a non-owner, a
//                        second take of a non-recursive mm lock).

import { defineProperties, invariant, assertion, deadlockFree, type StateInfo } from '../src/property/index.js';
import { declareStraight } from '../src/model/index.js';
import {
  recursiveLockRef,
  lockOrderInversion,
  rcuReaders,
  unlockByNonOwnerTag,
} from '../src/kernel/index.js';
import { locksReleasedAtEnd } from './lock-discipline.js';
import type { S } from '../models/xen-remove-from-physmap.js';

/** The model's own state type. */
type Vars = S;

const DOMAIN_LOCK = recursiveLockRef<Vars>('d->domain_lock', (s) => s.domain.lock);
const P2M_LOCK = recursiveLockRef<Vars>('p2m->lock', (s) => s.p2m.lock);
/**
 * rcuReaders under a name of this module, for the properties' compiled form (`bind`): a function
 * that names an import directly reads `__vite_ssr_import_1__.rcuReaders` under vitest, which the
 * compiler cannot bind.
 */
const readersOf = rcuReaders;

/**
 * lock-order's test: no pair of lock classes recorded in both orders. Its straight form (the
 * property compiled over the packed state) is lockOrderInversion's loop as a test, every pair
 * a < b of the record not taken both ways; the determinism probe compares the two.
 */
const consistentOrder = declareStraight((s: StateInfo<Vars>) => lockOrderInversion(s.vars.order) === null, {
  fn: (s: StateInfo<Vars>) => s.vars.order.after.every((row, a) => row.every((taken, b) => b <= a || !taken || !s.vars.order.after[b]![a])),
});

/** The model's lock classes, in the order of its ghost `order` record. */
const CLASS_NAMES = ['d->domain_lock', 'p2m->lock (gfn lock)'];

export const properties = defineProperties<Vars>('xen-remove-from-physmap', [
  locksReleasedAtEnd<Vars>(
    'locks-released',
    [DOMAIN_LOCK, P2M_LOCK],
    'every lock taken on a path (d->domain_lock, the gfn lock = p2m->lock) is released when the path ends, error paths included',
  ),
  invariant<Vars>(
    'rcu-unlocked',
    'every rcu_lock_target_domain_by_id is matched by rcu_unlock_domain on every exit (the -EPERM early return included)',
    {
      // Exercised once a hypercall has returned.
      when: (s) => s.threads.some((name, t) => (name.endsWith('/remove_from_physmap') || name.endsWith('/add_to_physmap')) && s.ended(t)),
      then: (s) => readersOf(s.vars.rcu).every((t) => !s.ended(t)),
      bind: { readersOf },
    },
    (s) =>
      rcuReaders(s.vars.rcu)
        .filter((t) => s.ended(t))
        .map((t) => `${s.threads[t]} ended still holding its RCU reference on d`)
        .join('; '),
  ),
  deadlockFree(),
  invariant<Vars>(
    'lock-order',
    'd->domain_lock and the p2m (gfn) lock are taken in the same order on every path (no ABBA)',
    // Exercised once one of the two locks has been taken while holding the other.
    { when: (s) => s.vars.order.after.some((row) => row.some((taken) => taken)), then: consistentOrder },
    (s) => {
      const [a, b] = lockOrderInversion(s.vars.order)!;
      return `${CLASS_NAMES[b]} was taken while holding ${CLASS_NAMES[a]}, and ${CLASS_NAMES[a]} while holding ${CLASS_NAMES[b]}`;
    },
  ),
  invariant<Vars>(
    'no-free-under-reader',
    'the struct domain is not freed (complete_domain_destroy) while an RCU reader still holds it',
    { when: (s) => s.vars.domain.freed, then: (s) => readersOf(s.vars.rcu).length === 0, bind: { readersOf } },
    (s) => `d was freed while ${rcuReaders(s.vars.rcu).map((t) => s.threads[t]).join(', ')} still held it under RCU`,
  ),
  assertion(
    'mm-lock-already-held',
    "a non-recursive mm lock is not taken twice by its holder (Xen's _mm_lock panics: \"mm lock already held\")",
    'mm lock already held',
  ),
  assertion(
    'p2m-unlock-by-owner',
    'put_gfn/gfn_unlock/p2m_unlock only by the CPU holding the p2m lock (__put_gfn: ASSERT(gfn_locked_by_me))',
    unlockByNonOwnerTag('p2m->lock'),
  ),
  assertion(
    'domain-unlock-by-owner',
    'domain_unlock only by the CPU holding d->domain_lock',
    unlockByNonOwnerTag('d->domain_lock'),
  ),
]);
