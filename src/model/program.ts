// Helpers that make a thread's program read like the C it mirrors:
//
//   thread('cpu1/hotplug', [
//     step('dying', 'kvm_cpu_hotplug: case CPU_DYING', { next: ... }),
//     ...spinLock('lock', 'kvm_cpu_hotplug', locks.kvm_lock),
//     choice('enable', [{ label: '... succeeds', run }, { label: '... fails', run }]),
//   ])
//
// One program per thread kind: `threadKind` declares a program once, with its local variables,
// and `spawn` makes a thread of it (one per CPU); every instance runs the same locations, so
// symmetry needs no renaming, and its per-CPU data lives in `env.local`:
//
//   const hotplug = threadKind<S, { cpu: number; i: number }>('hotplug', { cpu: 0, i: 0 }, [
//     step('online', 'cpuhp_thread_fun: ...', { run: (d, { local }) => void (d.online[local.cpu] = true) }),
//   ]);
//   threads: [0, 1, 2].map((cpu) => spawn(hotplug, `cpu${cpu}/hotplug`, { cpu })),

import { ModelError } from '../util/errors.js';
import { ownKey } from '../util/own.js';
import { definedAt } from './where.js';
import { declareStraight } from './straight.js';
import type { Draft } from 'immer';
import type { ActionDef, LocationDef, ModelDef, Next, ParamSpecs, Recipe, StepEnv, ThreadDef } from './types.js';

export type StepOptions<S, L extends object = {}> = Omit<ActionDef<S, L>, 'label'> & { end?: boolean };

/** A location with a single action. */
export function step<S, L extends object = {}>(id: string, label: string, options: StepOptions<S, L> = {}): LocationDef<S, L> {
  const { end, ...action } = options;
  return { id, actions: [{ label, where: definedAt(), ...action }], ...(end ? { end: true } : {}) };
}

/** A location with several actions: a nondeterministic choice among those enabled. */
export function choice<S, L extends object = {}>(id: string, actions: ActionDef<S, L>[], options: { end?: boolean } = {}): LocationDef<S, L> {
  const where = definedAt();
  for (const a of actions) a.where ??= where;
  return { id, actions, ...(options.end ? { end: true } : {}) };
}

/** A thread without local variables (or with `options.locals`). */
export function thread<S, L extends object = {}>(
  name: string,
  program: (LocationDef<S, L> | LocationDef<S, L>[])[],
  options: { locals?: L } = {},
): ThreadDef<S, L> {
  return { name, program: program.flat(), ...(options.locals !== undefined ? { locals: options.locals } : {}) };
}

/** A program written once for every thread of one kind (every CPU's hotplug thread), with its local variables. */
export interface ThreadKind<S, L extends object> {
  readonly kind: string;
  /** The initial values of the locals (an instance may override some: `spawn`). */
  readonly locals: L;
  readonly program: readonly LocationDef<S, L>[];
}

export function threadKind<S, L extends object = {}>(kind: string, locals: L, program: (LocationDef<S, L> | LocationDef<S, L>[])[]): ThreadKind<S, L> {
  return { kind, locals, program: program.flat() };
}

/**
 * A thread of kind `kind` named `name`: the kind's program (the same location objects, so every
 * instance has the same location ids), its locals initialised from the kind's, with `locals`
 * overriding some of them (`{ cpu: 2 }`).
 */
export function spawn<S, L extends object>(kind: ThreadKind<S, L>, name: string, locals: Partial<L> = {}): ThreadDef<S, L> {
  return { name, kind: kind.kind, program: kind.program as LocationDef<S, L>[], locals: { ...structuredClone(kind.locals), ...structuredClone(locals) } };
}

/**
 * The steps of C function `name`, written as code: each action's label becomes `name: label`
 * (unless it already starts so, as a lock builder's does when given `name` as its function) and
 * its `fn` is `name`. An action that names another function (a callee's steps inlined) keeps
 * its `fn` and its label.
 *
 *   ...func('hardware_enable_all', [
 *     step('lock', 'spin_lock(&kvm_lock)', ...),
 *     step('inc', 'kvm_usage_count++', { note: 'the counter the patch moves under the lock' }),
 *   ])
 */
export function func<S, L extends object = {}>(name: string, body: (LocationDef<S, L> | LocationDef<S, L>[])[]): LocationDef<S, L>[] {
  return body.flat().map((loc) => ({
    ...loc,
    actions: loc.actions.map((a) =>
      a.fn !== undefined && a.fn !== name ? a : { ...a, fn: name, label: a.label.startsWith(`${name}: `) ? a.label : `${name}: ${a.label}` },
    ),
  }));
}

/**
 * `loc` (a step builder's location, e.g. a library lock step, which knows no thread locals) with
 * `extra` run after each action's own recipe in the same atomic step, and control going to `next`
 * if given: `alsoRun(spinLock(...), spin_lock_irq_context_on_cpu0)` is spin_lock_irq().
 */
export function alsoRun<S, L extends object>(loc: LocationDef<S, {}>, extra: Recipe<S, L>, next?: Next<S, L>): LocationDef<S, L> {
  return {
    ...loc,
    actions: loc.actions.map((a): ActionDef<S, L> => {
      const run = a.run;
      return {
        ...a,
        // Its straight form names what it calls (the step compiler cannot see this closure).
        run: declareStraight(
          (d: Draft<S>, env: StepEnv<L>) => {
            run?.(d, env);
            extra(d, env);
          },
          { bind: { run, extra } },
        ),
        ...(next !== undefined ? { next } : {}),
      };
    }),
  };
}

/** `loc` with `text` as the note of each of its actions (for step builders that take no note). */
export function withNote<S, L extends object = {}>(text: string, loc: LocationDef<S, L>): LocationDef<S, L> {
  return { ...loc, actions: loc.actions.map((a) => ({ ...a, note: text })) };
}

/**
 * The code that differs between variants: one fragment per variant, each written out in full so
 * that two variants' code can be read (and diffed) side by side, instead of flag branches inside
 * one body. With `variant` typed from the model's `variants` (defineModel infers it), leaving a
 * variant out is a type error; the fragments are built lazily, only the chosen one.
 *
 *   const enable = byVariant(variant, {
 *     'v2.6.37': () => func('hardware_enable_all', [ ...old code... ]),
 *     'patch-1': () => func('hardware_enable_all', [ ...patched code... ]),
 *   });
 */
export function byVariant<V extends string, T>(variant: V, fragments: Readonly<Record<V, () => T>>): T {
  const fragment = ownKey<() => T>(fragments, variant);
  if (fragment === undefined)
    throw new ModelError(`no fragment for variant '${variant}' (fragments exist for: ${Object.keys(fragments).join(', ')})`);
  return fragment();
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
