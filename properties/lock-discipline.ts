// Reusable lock-discipline properties, the checks lockdep and spinlock debugging make:
//   - a function that requires a lock runs only with it held (lockdep_assert_held);
//   - every lock a thread took is released by the time the thread ends;
//   - no sleeping lock is taken in atomic context (might_sleep).
// (An unbalanced enable_irq is the kernel's own WARN: an assertion on UNBALANCED_ENABLE.)

import { invariant, stepProperty, type Invariant, type StateInfo, type StepProperty } from '../src/property/index.js';
import { UNLOCKED, type LockRef } from '../src/kernel/index.js';
import { declareStraight } from '../src/model/index.js';

/**
 * UNLOCKED under a name of this module: a function's source that names an import directly is
 * rewritten under vitest (`__vite_ssr_import_1__.UNLOCKED`), which the property compiler cannot
 * bind; the built code (dist/) and vitest then compile the same.
 */
const unlocked = UNLOCKED;

/**
 * Every step of a function matching `fn` runs with `lock` held. By default "held" means held by
 * anyone: on_each_cpu runs `*_nolock` functions in IPI handlers on behalf of the caller that
 * holds the lock, so the holder is not the CPU running the function. `bySelf` requires the
 * running thread itself to be the holder.
 */
export function lockHeldIn<S>(
  name: string,
  fn: RegExp | string,
  lock: LockRef<S>,
  o: { bySelf?: boolean; doc?: string } = {},
): StepProperty<S> {
  // A regular expression's test is declared (its `fn` bound), so `when` compiles for each step.
  const matches = typeof fn === 'string' ? (f: string) => f === fn : declareStraight((f: string) => fn.test(f), { bind: { fn } });
  const get = lock.get;
  const bySelf = o.bySelf === true;
  return stepProperty<S>(
    name,
    o.doc ?? `${String(fn)} runs only with ${lock.name} held${o.bySelf ? ' by the running thread' : ''}`,
    {
      // Exercised only if some such step ran.
      when: (_s, step) => matches(step.fn),
      bind: { matches, get, bySelf, unlocked },
      // The lock's accessor and bySelf under names of their own, bound (a member of an object
      // is no name the compiler can read).
      then: (s, step) => {
        const holder = get(s.vars).holder;
        return bySelf ? holder === step.threadIndex : holder !== unlocked;
      },
    },
    (s, step) => `${step.thread} runs '${step.label}' while ${lock.name} is ${lock.get(s.vars).holder === UNLOCKED ? 'free' : `held by ${s.threads[lock.get(s.vars).holder]}`}`,
  );
}

/** A thread that has ended holds none of `locks`. */
export function locksReleasedAtEnd<S>(name: string, locks: LockRef<S>[], doc?: string): Invariant<S> {
  // The straight form of `then` (straight.ts, a property compiled over the packed state): the
  // conjunction, in order, of the same test of each lock, its accessor bound by name.
  const released = locks.map((l) => {
    const get = l.get;
    return declareStraight(
      (s: StateInfo<S>) => {
        const h = get(s.vars).holder;
        return h === unlocked || !s.ended(h);
      },
      { bind: { get, unlocked } },
    );
  });
  return invariant<S>(
    name,
    doc ?? `every lock (${locks.map((l) => l.name).join(', ')}) taken on a path is released when the path ends`,
    {
      // Exercised once some thread has ended (a path end where a lock could be left held).
      when: (s) => s.threads.some((_, t) => s.ended(t)),
      then: declareStraight(
        (s: StateInfo<S>) =>
          locks.every((l) => {
            const h = l.get(s.vars).holder;
            return h === UNLOCKED || !s.ended(h);
          }),
        { all: released },
      ),
    },
    (s) => {
      const leaked = locks.filter((l) => l.get(s.vars).holder !== UNLOCKED && s.ended(l.get(s.vars).holder));
      return leaked.map((l) => `${s.threads[l.get(s.vars).holder]} ended holding ${l.name}`).join('; ');
    },
  );
}

/**
 * One way a thread is in atomic context (for `noSleepInAtomic`): `test(s, t)`, whether thread `t`
 * is in it in state `s`, declared for the property compiler (declareStraight with what it reads
 * bound: it is compiled for each sleeping step, the thread a constant there); `why(s, t)`, the
 * words a report gives for it (never compiled: only a violation's explanation calls it).
 */
export interface AtomicContext<S> {
  test: (s: StateInfo<S>, t: number) => boolean;
  why: (s: StateInfo<S>, t: number) => string;
}

/**
 * No step tagged `might_sleep` (mutex_lock, ...) runs in atomic context. `atomic` says whether
 * a thread is in atomic context in a state (holding a spinlock, interrupts off, in an IRQ
 * handler): the model knows which of its threads are interrupt handlers and which locks spin.
 * Either a function giving the reason or null (its `then` is then not compiled), or the
 * contexts, in order: the step's `then` is that no test holds (compiled over the packed state,
 * the tests' conjunction: no decode for a sleeping step), the report the first one's `why`.
 */
export function noSleepInAtomic<S>(
  name: string,
  atomic: ((s: StateInfo<S>, thread: number) => string | null) | readonly AtomicContext<S>[],
  doc = 'no sleeping lock (mutex) is taken in atomic context',
): StepProperty<S> {
  const reason =
    typeof atomic === 'function'
      ? atomic
      : (s: StateInfo<S>, t: number): string | null => {
          const c = atomic.find((x) => x.test(s, t));
          return c === undefined ? null : c.why(s, t);
        };
  // The tests' negations, in order, as one declared conjunction (as `every` evaluates them).
  const outside =
    typeof atomic === 'function'
      ? undefined
      : declareStraight((s: StateInfo<S>, t: number) => atomic.every((c) => !c.test(s, t)), {
          all: atomic.map((c) => {
            const test = c.test;
            return declareStraight((s: StateInfo<S>, t: number) => !test(s, t), { bind: { test } });
          }),
        });
  return stepProperty<S>(
    name,
    doc,
    // Exercised only if some sleeping lock was taken.
    outside === undefined
      ? { when: (_s, step) => step.tags.includes('might_sleep'), then: (s, step) => reason(s, step.threadIndex) === null }
      : { when: (_s, step) => step.tags.includes('might_sleep'), then: (s, step) => outside(s, step.threadIndex), bind: { outside } },
    (s, step) => `${step.thread} runs '${step.label}' (might sleep) in atomic context: ${reason(s, step.threadIndex)}`,
  );
}

/** The spinlocks among `locks` that thread `t` holds (for `noSleepInAtomic`). */
export function spinlocksHeldBy<S>(vars: S, locks: LockRef<S>[], t: number): string[] {
  return locks.filter((l) => l.get(vars).holder === t).map((l) => l.name);
}
