// Preempt notifiers (struct preempt_notifier): callbacks the scheduler runs on a task when it
// is scheduled out (sched_out) and back in (sched_in), as KVM registers kvm_sched_out/in for
// each vCPU task. A model keeps a registered flag per task and calls `fire_preempt_notifiers`
// from its scheduler steps, in the same atomic step as the context switch (the kernel runs
// them with the runqueue lock held and interrupts off).

import type { Draft, StepEnv } from '../model/index.js';

export interface PreemptNotifier<S> {
  name: string;
  sched_in(d: Draft<S>, task: number, cpu: number, env: StepEnv): void;
  sched_out(d: Draft<S>, task: number, next: number, env: StepEnv): void;
}

/** preempt_notifier_register: per-task registered flags. */
export function preemptNotifiers(tasks: number): boolean[] {
  return Array.from({ length: tasks }, () => false);
}

export function fire_sched_out_preempt_notifiers<S>(
  registered: readonly boolean[], notifier: PreemptNotifier<S>, d: Draft<S>, task: number, next: number, env: StepEnv,
): void {
  if (registered[task]) notifier.sched_out(d, task, next, env);
}

export function fire_sched_in_preempt_notifiers<S>(
  registered: readonly boolean[], notifier: PreemptNotifier<S>, d: Draft<S>, task: number, cpu: number, env: StepEnv,
): void {
  if (registered[task]) notifier.sched_in(d, task, cpu, env);
}
