// Helpers that make a thread's program read like the C it mirrors:
//
//   thread('cpu1/hotplug', [
//     step('dying', 'kvm_cpu_hotplug: case CPU_DYING', { next: ... }),
//     ...spinLock('lock', 'kvm_cpu_hotplug', locks.kvm_lock),
//     choice('enable', [{ label: '... succeeds', run }, { label: '... fails', run }]),
//   ])

import type { ActionDef, LocationDef, ModelDef, ParamSpecs, ThreadDef } from './types.js';

export type StepOptions<S> = Omit<ActionDef<S>, 'label'> & { end?: boolean };

/** A location with a single action. */
export function step<S>(id: string, label: string, options: StepOptions<S> = {}): LocationDef<S> {
  const { end, ...action } = options;
  return { id, actions: [{ label, ...action }], ...(end ? { end: true } : {}) };
}

/** A location with several actions: a nondeterministic choice among those enabled. */
export function choice<S>(id: string, actions: ActionDef<S>[], options: { end?: boolean } = {}): LocationDef<S> {
  return { id, actions, ...(options.end ? { end: true } : {}) };
}

export function thread<S>(name: string, program: (LocationDef<S> | LocationDef<S>[])[]): ThreadDef<S> {
  return { name, program: program.flat() };
}

/**
 * Identity, for type inference: written `defineModel({ params, variants, build(ctx): System<S> {...} })`,
 * `ctx.params` is typed from the declarations (`intParam` -> number, `boolParam` -> boolean) and
 * `ctx.variant` is one of the declared variant names. (`defineModel<S>(...)` still compiles, with
 * untyped parameters: TypeScript cannot infer the rest once one type argument is given.)
 */
export function defineModel<S extends object, const P extends ParamSpecs = ParamSpecs, V extends string = string>(
  def: ModelDef<S, P, V>,
): ModelDef<S, P, V> {
  return def;
}
