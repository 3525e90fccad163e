// The scheduler's sleep/wakeup primitives: block_task with and without DELAY_DEQUEUE,
// try_to_wake_up's three outcomes (requeue a delayed entity, activate, saved_state of a frozen
// task), task_is_runnable, and a textbook lost-wakeup model built on them.
import { describe, expect, it } from 'vitest';
import {
  taskStruct, task_is_runnable, try_to_wake_up, block_task, __block_task, frozen, is_special_task_state, signal_pending_state,
  TASK_RUNNING, TASK_INTERRUPTIBLE, TASK_FREEZABLE, TASK_FROZEN, TASK_NORMAL, type TaskStruct,
} from '../../src/kernel/index.js';
import { defineModel, step, thread, choice, END } from '../../src/model/index.js';
import { defineProperties, invariant } from '../../src/property/index.js';
import { check } from '../../src/engine/index.js';

describe('block_task / __block_task', () => {
  it('without delay, a sleeping task leaves the runqueue', () => {
    const p = taskStruct({ __state: TASK_INTERRUPTIBLE });
    block_task(p, false);
    expect(p).toMatchObject({ on_rq: false, sched_delayed: false });
    expect(task_is_runnable(p)).toBe(false);
  });
  it('with delay, it stays queued but is not runnable', () => {
    const p = taskStruct({ __state: TASK_INTERRUPTIBLE });
    block_task(p, true);
    expect(p).toMatchObject({ on_rq: true, sched_delayed: true });
    expect(task_is_runnable(p)).toBe(false);
  });
  it('a special state (TASK_FROZEN) is never delayed', () => {
    expect(is_special_task_state(TASK_FROZEN)).toBe(true);
    expect(is_special_task_state(TASK_INTERRUPTIBLE | TASK_FREEZABLE)).toBe(false);
    const p = taskStruct({ __state: TASK_FROZEN });
    block_task(p, true);
    expect(p).toMatchObject({ on_rq: false, sched_delayed: false });
  });
  it('__block_task clears on_rq', () => {
    const p = taskStruct();
    __block_task(p);
    expect(p.on_rq).toBe(false);
  });
});

describe('try_to_wake_up', () => {
  it('requeues a delayed sleeper (ttwu_runnable) and makes it runnable', () => {
    const p = taskStruct({ __state: TASK_INTERRUPTIBLE, sched_delayed: true });
    expect(try_to_wake_up(p, TASK_NORMAL)).toBe(true);
    expect(p).toMatchObject({ __state: TASK_RUNNING, on_rq: true, sched_delayed: false });
    expect(task_is_runnable(p)).toBe(true);
  });
  it('activates a dequeued sleeper', () => {
    const p = taskStruct({ __state: TASK_INTERRUPTIBLE, on_rq: false });
    expect(try_to_wake_up(p, TASK_NORMAL)).toBe(true);
    expect(p).toMatchObject({ __state: TASK_RUNNING, on_rq: true });
  });
  it('does nothing when the state does not match', () => {
    const p = taskStruct({ __state: TASK_RUNNING });
    expect(try_to_wake_up(p, TASK_INTERRUPTIBLE)).toBe(false);
    expect(p).toEqual(taskStruct());
  });
  it('a frozen task keeps sleeping: the wakeup is recorded in saved_state', () => {
    const p = taskStruct({ __state: TASK_FROZEN, saved_state: TASK_INTERRUPTIBLE | TASK_FREEZABLE, on_rq: false });
    expect(frozen(p)).toBe(true);
    expect(try_to_wake_up(p, TASK_NORMAL)).toBe(true);
    expect(p).toMatchObject({ __state: TASK_FROZEN, saved_state: TASK_RUNNING, on_rq: false });
    // __thaw_task's wake_up_state(p, TASK_FROZEN) then wakes it.
    expect(try_to_wake_up(p, TASK_FROZEN)).toBe(true);
    expect(p).toMatchObject({ __state: TASK_RUNNING, on_rq: true });
  });
  it('signal_pending_state only for interruptible sleeps', () => {
    expect(signal_pending_state(TASK_INTERRUPTIBLE, taskStruct({ sigpending: true }))).toBe(true);
    expect(signal_pending_state(TASK_FROZEN, taskStruct({ sigpending: true }))).toBe(false);
    expect(signal_pending_state(TASK_INTERRUPTIBLE, taskStruct())).toBe(false);
  });
});

// The classic wait loop: the sleeper sets its state, checks the condition, then blocks; the
// waker sets the condition, then wakes it. `broken` checks before setting the state: the
// wakeup can land before the state is set and be lost, with or without delayed dequeue.
type W = { cond: boolean; p: TaskStruct; asleep: boolean };
const waitLoop = defineModel<W>({
  name: 'wait-loop',
  doc: 'set_current_state; if (!cond) schedule() against cond = 1; wake_up_process()',
  params: {},
  variants: { correct: 'state before check', broken: 'check before state', delayed: 'state before check, DELAY_DEQUEUE' },
  build({ variant }) {
    const setState = step<W>('state', 'set_current_state(TASK_INTERRUPTIBLE)', { run: (d) => void (d.p.__state = TASK_INTERRUPTIBLE) });
    const checkCond = choice<W>('check', [
      { label: 'if (cond) break', guard: (s) => s.cond, run: (d) => void (d.p.__state = TASK_RUNNING), next: END },
      { label: 'schedule()', guard: (s) => !s.cond, next: 'sleep' },
    ]);
    const sleep = choice<W>('sleep', [
      {
        label: 'schedule(): block_task()',
        guard: (s) => s.p.__state !== TASK_RUNNING,
        run: (d) => {
          block_task(d.p, variant === 'delayed');
          d.asleep = true;
        },
        next: 'blocked',
      },
      { label: 'schedule(): TASK_RUNNING, no block', guard: (s) => s.p.__state === TASK_RUNNING, next: END },
    ]);
    const blocked = step<W>('blocked', 'woken', {
      guard: (s) => task_is_runnable(s.p),
      run: (d) => void (d.asleep = false),
      next: END,
    });
    const waker = thread<W>('waker', [
      step('cond', 'cond = 1', { run: (d) => void (d.cond = true) }),
      step('wake', 'wake_up_process(p)', { run: (d) => void try_to_wake_up(d.p, TASK_NORMAL), next: END }),
    ]);
    if (variant === 'broken') {
      // check first, then set the state, then sleep without checking again.
      const broken = thread<W>('sleeper', [
        choice<W>('check', [
          { label: 'if (cond) break', guard: (s) => s.cond, next: END },
          { label: 'schedule()', guard: (s) => !s.cond, next: 'state' },
        ]),
        step('state', 'set_current_state(TASK_INTERRUPTIBLE)', { run: (d) => void (d.p.__state = TASK_INTERRUPTIBLE), next: 'sleep' }),
        sleep,
        blocked,
      ]);
      return { init: { cond: false, p: taskStruct(), asleep: false }, threads: [broken, waker] };
    }
    const sleeper = thread<W>('sleeper', [setState, checkCond, sleep, blocked]);
    return { init: { cond: false, p: taskStruct(), asleep: false }, threads: [sleeper, waker] };
  },
});
const waitLoopProps = defineProperties<W>('wait-loop', [
  invariant('no-lost-wakeup', 'when the waker is done, the sleeper is not left asleep', (s) => !(s.ended('waker') && s.vars.asleep && !task_is_runnable(s.vars.p))),
]);

describe('the wait loop on these primitives', () => {
  it('holds with the state set before the check, with and without DELAY_DEQUEUE', () => {
    expect(check(waitLoop, waitLoopProps, { variant: 'correct' }).status).toBe('verified');
    expect(check(waitLoop, waitLoopProps, { variant: 'delayed' }).status).toBe('verified');
  });
  it('loses the wakeup when the check comes first', () => {
    const r = check(waitLoop, waitLoopProps, { variant: 'broken' });
    expect(r.status).toBe('violated');
  });
});
