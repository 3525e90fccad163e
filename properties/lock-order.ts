// The ready-made lockdep property: no acquisition closes a cycle in the lock order. Lock steps
// of classes registered with `lockdep(...)` record the order automatically (src/kernel/lockdep.ts);
// this property looks at each acquisition before it runs, as lockdep's check_prev_add does, and
// reports the inversion with both chains: the one this thread is building (holding B, taking A)
// and the one recorded earlier (A -> ... -> B), like the "possible circular locking dependency"
// splat. It fires whether or not the deadlocking schedule itself happens in the same run.

import { stepProperty, type StepProperty, type StateInfo, type StepInfo } from '../src/property/index.js';
import { lockdepChain, type Lockdep } from '../src/kernel/index.js';

/** The class a lock step takes (by its `lock:NAME` tag), or -1 for any other step. */
function acquiredClass<S>(dep: Lockdep<S>, step: StepInfo): number {
  if (!step.tags.includes('spin_lock') && !step.tags.includes('mutex_lock')) return -1;
  const tag = step.tags.find((t) => t.startsWith('lock:'));
  return tag === undefined ? -1 : dep.classOf(tag.slice('lock:'.length));
}

/** The first held class that already (transitively) depends on the one being taken: [held, chain from taken to held]. */
function inversion<S>(dep: Lockdep<S>, s: StateInfo<S>, step: StepInfo): { held: number; chain: number[] } | null {
  const taking = acquiredClass(dep, step);
  if (taking < 0) return null;
  const self = step.threadIndex;
  // A recursive re-take by the holder waits for nothing and orders nothing.
  if (dep.classes[taking]!.get(s.vars).holder === self) return null;
  const order = dep.get(s.vars);
  for (let held = 0; held < dep.classes.length; held++) {
    if (held === taking || dep.classes[held]!.get(s.vars).holder !== self) continue;
    const chain = lockdepChain(order, taking, held);
    if (chain) return { held, chain };
  }
  return null;
}

/**
 * `lock-order`: no thread takes a lock while holding one that was, earlier in the run, held while
 * the lock being taken was acquired (directly or through a chain): an ABBA (or longer) inversion.
 */
export function lockOrderProperty<S>(dep: Lockdep<S>, name = 'lock-order', doc?: string): StepProperty<S> {
  const names = (chain: number[]) => chain.map((c) => dep.classes[c]!.name).join(' -> ');
  return stepProperty<S>(
    name,
    doc ?? `the locks ${dep.classes.map((c) => c.name).join(', ')} are always taken in one order (lockdep: no circular locking dependency)`,
    // About the acquisitions of registered classes only: a run that takes none of them reports
    // the property "holds, not exercised", not "holds".
    { when: (_s, step) => acquiredClass(dep, step) >= 0, then: (s, step) => inversion(dep, s, step) === null },
    (s, step) => {
      const inv = inversion(dep, s, step)!;
      const taking = dep.classes[inv.chain[0]!]!.name;
      const held = dep.classes[inv.held]!.name;
      return (
        `possible circular locking dependency: ${step.thread} is trying to acquire ${taking} (${step.label}) while holding ${held} ` +
        `(new chain ${held} -> ${taking}); existing chain ${names(inv.chain)}, recorded earlier in this run`
      );
    },
  );
}
