// The part of struct task_struct the scheduler's sleep/wakeup protocol reads and writes, and the
// core operations on it: block_task() (with or without DELAY_DEQUEUE), __block_task(),
// try_to_wake_up() and task_is_runnable(). State values are the kernel's (include/linux/sched.h).
//
// These are plain functions to call inside a step's recipe. try_to_wake_up() is one atomic step:
// in the kernel it runs under p->pi_lock and takes the task's rq lock (ttwu_runnable() for a
// queued task, ttwu_queue() for one being activated), so a model must make the step wait while
// the rq lock is held by a __schedule() in progress (guard on the model's rq lock).

import { declareStraight } from '../model/straight.js';

/** p->__state values and flags (include/linux/sched.h). */
export const TASK_RUNNING = 0x0000;
export const TASK_INTERRUPTIBLE = 0x0001;
export const TASK_UNINTERRUPTIBLE = 0x0002;
export const __TASK_STOPPED = 0x0004;
export const __TASK_TRACED = 0x0008;
export const TASK_PARKED = 0x0040;
export const TASK_DEAD = 0x0080;
export const TASK_FREEZABLE = 0x2000;
export const TASK_FROZEN = 0x8000;
export const TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE;

export type TaskStruct = {
  /** p->__state. */
  __state: number;
  /** p->saved_state (freezer and PREEMPT_RT lock sleepers). */
  saved_state: number;
  /** p->on_rq != 0: the task is queued on a runqueue (TASK_ON_RQ_QUEUED). */
  on_rq: boolean;
  /** p->se.sched_delayed: blocked, but its dequeue is delayed until it is picked (DELAY_DEQUEUE). */
  sched_delayed: boolean;
  /** TIF_SIGPENDING. */
  sigpending: boolean;
};

/** A task; by default a runnable one (TASK_RUNNING, queued). */
export function taskStruct(o: Partial<TaskStruct> = {}): TaskStruct {
  return { __state: TASK_RUNNING, saved_state: TASK_RUNNING, on_rq: true, sched_delayed: false, sigpending: false, ...o };
}

/** task_is_runnable(p): p->on_rq && !p->se.sched_delayed (the helper added with the delayed-dequeue fix). */
export function task_is_runnable(p: Readonly<TaskStruct>): boolean {
  return p.on_rq && !p.sched_delayed;
}

/** frozen(p): READ_ONCE(p->__state) & TASK_FROZEN. */
export function frozen(p: Readonly<TaskStruct>): boolean {
  return (p.__state & TASK_FROZEN) !== 0;
}
declareStraight(frozen, { bind: { TASK_FROZEN } });

/** is_special_task_state(): states that must not suffer spurious wakeups (never delayed). */
export function is_special_task_state(state: number): boolean {
  return (state & (__TASK_STOPPED | __TASK_TRACED | TASK_PARKED | TASK_DEAD | TASK_FROZEN)) !== 0;
}
declareStraight(is_special_task_state, { bind: { __TASK_STOPPED, __TASK_TRACED, TASK_PARKED, TASK_DEAD, TASK_FROZEN } });

/** signal_pending_state(state, p), without the fatal-signal (TASK_WAKEKILL) case. */
export function signal_pending_state(state: number, p: Readonly<TaskStruct>): boolean {
  return (state & TASK_INTERRUPTIBLE) !== 0 && p.sigpending;
}
declareStraight(signal_pending_state, { bind: { TASK_INTERRUPTIBLE } });

/** __block_task(rq, p): WRITE_ONCE(p->on_rq, 0). */
export function __block_task(p: TaskStruct): void {
  p.on_rq = false;
}

/**
 * block_task(rq, p, DEQUEUE_SLEEP) as __schedule() calls it for a task going to sleep.
 * `delay` is dequeue_entity()'s DELAY_DEQUEUE decision (the entity is not eligible): the task
 * keeps p->on_rq and gets se.sched_delayed instead; it is blocked for real (__block_task) when
 * it is picked again, or requeued by a wakeup. Special states are never delayed.
 */
export function block_task(p: TaskStruct, delay: boolean): void {
  if (delay && !is_special_task_state(p.__state)) p.sched_delayed = true;
  else __block_task(p);
}
declareStraight(block_task, { bind: { is_special_task_state, __block_task } });

/**
 * try_to_wake_up(p, state): returns `success` as the kernel does.
 *  - ttwu_state_match(): p->__state & state -> wake; else p->saved_state & state -> the task is
 *    frozen (or blocked on an RT lock): saved_state = TASK_RUNNING, report success, do not wake.
 *  - a queued task (p->on_rq, including a delayed one): ttwu_runnable(), which requeues a
 *    sched_delayed entity (enqueue_task(ENQUEUE_DELAYED)) and sets TASK_RUNNING.
 *  - otherwise ttwu_do_activate(): activate_task() (on_rq = 1) and TASK_RUNNING.
 * Waking current (p == current) takes the queued path: current is queued and never delayed.
 */
export function try_to_wake_up(p: TaskStruct, state: number): boolean {
  if ((p.__state & state) !== 0) {
    if (p.on_rq) p.sched_delayed = false;
    else p.on_rq = true;
    p.__state = TASK_RUNNING;
    return true;
  }
  if ((p.saved_state & state) !== 0) {
    p.saved_state = TASK_RUNNING;
    return true;
  }
  return false;
}
declareStraight(try_to_wake_up, { bind: { TASK_RUNNING } });
