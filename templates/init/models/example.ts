// A lost wakeup in an open-coded sleep, and its fix: the model kmc init starts you with.
//
// The C it mirrors (a waiter sleeping until a flag is set, and the thread that sets it):
//
//   waiter (buggy):                       waiter (fixed):
//     if (!done) {                          set_current_state(TASK_UNINTERRUPTIBLE);
//       set_current_state(TASK_UNINT..);    if (!done)
//       schedule();                           schedule();
//     }                                     __set_current_state(TASK_RUNNING);
//
//   waker:
//     done = 1;
//     wake_up_process(waiter);
//
// In the buggy order the waker can run between the test of `done` and set_current_state():
// wake_up_process() finds the waiter still TASK_RUNNING and does nothing, and the waiter then
// sleeps forever. kmc reports it as a deadlock, with the interleaving that causes it.
//
// One file holds the model (the default export) and its properties (the named export
// `properties`): that is the convention `kmc check` reads. Each step is one atomic statement
// of the C code. What is left out: the runqueue and the rest of schedule() (a task that is not
// TASK_RUNNING simply cannot pass schedule() until woken), which is sound for this question.
// kmc's memory model is sequentially consistent: the full barrier set_current_state() implies is
// what makes the fixed order correct on real hardware; the model takes it for granted.

import { byVariant, defineModel, func, step, thread, END, type System } from 'kernel-model-checker/model';
import { TASK_RUNNING, TASK_UNINTERRUPTIBLE } from 'kernel-model-checker/kernel';
import { defineProperties, invariant } from 'kernel-model-checker/property';

type S = {
  /** The flag the waiter waits for. */
  done: boolean;
  /** The waiter's p->__state. */
  waiterState: number;
};

export default defineModel({
  name: 'example',
  doc: 'a lost wakeup in an open-coded sleep (test the condition, then set the task state)',
  params: {},
  variants: {
    buggy: 'tests `done` before set_current_state(): a wakeup in between is lost',
    fixed: 'set_current_state() first, then test `done`: the wakeup cannot be lost',
  },
  build({ variant }): System<S> {
    // Each C function's statements, one step each; func() prefixes the labels with its name.
    const sleep = step<S>('schedule', 'schedule()', {
      // A task that is not TASK_RUNNING is off the CPU until someone wakes it.
      guard: (s) => s.waiterState === TASK_RUNNING,
      blockedOn: () => 'a wake_up_process() that already happened',
    });
    const setState = step<S>('set', 'set_current_state(TASK_UNINTERRUPTIBLE)', {
      run: (d) => void (d.waiterState = TASK_UNINTERRUPTIBLE),
    });
    // The two kernels' wait_for_done(), each written out in full.
    const waitForDone = byVariant(variant, {
      buggy: () =>
        func<S>('wait_for_done', [
          step('test', 'if (!done)', { next: (s) => (s.done ? END : 'set'), note: 'tested before the task state is set' }),
          setState,
          sleep,
        ]),
      fixed: () =>
        func<S>('wait_for_done', [
          setState,
          step('test', 'if (!done)', { next: (s) => (s.done ? 'running' : 'schedule') }),
          sleep,
          step('running', '__set_current_state(TASK_RUNNING)', { run: (d) => void (d.waiterState = TASK_RUNNING) }),
        ]),
    });
    const waiter = thread<S>('waiter', waitForDone);
    const waker = thread<S>('waker', func<S>('signal_done', [
      step('set-done', 'done = 1', { run: (d) => void (d.done = true) }),
      step('wake', 'wake_up_process(waiter)', {
        run: (d) => {
          if (d.waiterState !== TASK_RUNNING) d.waiterState = TASK_RUNNING;
        },
      }),
    ]));
    return { init: { done: false, waiterState: TASK_RUNNING }, threads: [waiter, waker] };
  },
});

// Deadlock freedom (every thread finishes) and livelock freedom (no thread loops forever without
// progress) are checked without being listed; opt out of each by name only
// (defineProperties(..., { deadlock: false, livelock: false }), or `kmc check --no-deadlock --no-livelock`).
export const properties = defineProperties<S>('example', [
  // "when the waiter has returned, done is set": given as when/then, a run in which the waiter
  // never returns reports it "holds, not exercised" instead of a plain "holds".
  invariant('woken-only-when-done', 'the waiter returns only once done is set', { when: (s) => s.ended('waiter'), then: (s) => s.vars.done }),
]);
