// The model API: what a model author writes. It knows nothing of the engine.
//
// A model is a set of named threads. Each thread is a program of labelled atomic steps: a
// program counter points at a *location*; a location offers one or more *actions* (more than
// one is a nondeterministic choice, e.g. "the enable succeeds" / "the enable fails"). An action
// has a guard (is it enabled?), an update written as an immer recipe on a draft of the state,
// and where control goes next.

import type { Draft } from 'immer';
import type { StateData } from './layout.js';
import type { SourceLocation } from './where.js';

/** Where control goes when a thread's program ends. */
export const END = '$end';

/**
 * What a step's recipe, guard and `next` get besides the state. `L` is the type of the thread's
 * local variables (ThreadDef.locals): `env.local` is this thread's own copy, part of the state
 * like any global (fingerprinted, shown in traces), read by guards and written by recipes.
 */
export interface StepEnv<L extends object = {}> {
  /** The thread's name, e.g. `cpu1/hotplug`. */
  readonly thread: string;
  /** The thread's index in the model (stable; used as a lock owner id). */
  readonly self: number;
  /** Thread index -> name, for messages. */
  readonly threadNames: readonly string[];
  /**
   * This thread's local variables (a loop counter, a local copy of a shared value, `cpu`): read
   * them in guards and `next`, write them in recipes (`env.local.i++`). A step that touches only
   * its thread's locals is independent of every other thread's steps (issue 15's POR uses this).
   */
  readonly local: L;
  /**
   * WARN_ON(cond): when `cond` is true the step still completes (as in the kernel), and the
   * assertion property named `tag` is violated.
   */
  warnOn(cond: boolean, tag: string): void;
  /**
   * BUG_ON(cond): when `cond` is true the kernel oopses: the assertion property named `tag` is
   * violated and the resulting state has no successors.
   */
  bugOn(cond: boolean, tag: string): void;
}

export type Recipe<S, L extends object = {}> = (draft: Draft<S>, env: StepEnv<L>) => void;
export type Guard<S, L extends object = {}> = (state: S, env: StepEnv<L>) => boolean;
export type Next<S, L extends object = {}> = string | ((state: S, env: StepEnv<L>) => string);

/** One atomic action. `L`: the thread's local variables (see StepEnv.local). */
export interface ActionDef<S, L extends object = {}> {
  /**
   * The C statement this action models, as code: `kvm_cpu_hotplug: spin_lock(&kvm_lock)` (the
   * function's name first; `fn(...)` adds it to every step of a function).
   */
  label: string;
  /**
   * Why the step is what it is, or what the model adds to the code (`on cpu1`, `the enable
   * fails`): shown after the code as `code [note]`, and ignored where steps are matched by their
   * statement (cross-variant replay).
   */
  note?: string;
  /** The C function the statement belongs to (defaults to the label's text before `:`). */
  fn?: string;
  /** Enabled only when this holds (a `spin_lock` on a held lock is not). */
  guard?: Guard<S, L>;
  /** What the thread waits for when the guard is false (shown in deadlock reports). */
  blockedOn?: (state: S, env: StepEnv<L>) => string;
  /** The update, as an immer recipe. */
  run?: Recipe<S, L>;
  /** The location to go to afterwards (its id, or END); evaluated on the state after `run`. Defaults to the next location. */
  next?: Next<S, L>;
  /** Free-form tags read by properties, e.g. `might_sleep`, `lock:kvm_lock`. */
  tags?: readonly string[];
  /** Where the model defines this step (file and line; set by the step builders, for reports). */
  where?: SourceLocation | undefined;
}

/** A program location: an id for the program counter and the actions offered there. */
export interface LocationDef<S, L extends object = {}> {
  /** Unique within the thread; what `next` names. */
  id: string;
  actions: ActionDef<S, L>[];
  /**
   * A valid end state (SPIN's `end:` labels): a thread blocked here is idle, not deadlocked
   * (an interrupt handler waiting for an interrupt, a device waiting for work).
   */
  end?: boolean;
  /**
   * Optional: a condition every action here needs (each action's own guard must imply it).
   * When false, the location's action guards are not evaluated at all: a location offering
   * many actions (an IPI handler: one per sender and function) costs one test while idle.
   */
  anyEnabled?: Guard<S, L>;
}

export interface ThreadDef<S, L extends object = {}> {
  name: string;
  program: LocationDef<S, L>[];
  /**
   * The thread's local variables and their initial values (plain state data, like `init`).
   * They are part of the state (under `$local.<thread name>` in the packed layout, in traces and
   * in `vars`), but only this thread's guards, recipes and `next` see them, as `env.local`.
   */
  locals?: L;
  /** The thread kind this thread is an instance of (threadKind/spawn), for reports. */
  kind?: string;
}

/** An integer parameter (`intParam`): the model's `build` sees it as a number. */
export interface IntParamSpec {
  type: 'int';
  default: number;
  min?: number;
  max?: number;
  doc: string;
}

/** A boolean parameter (`boolParam`): the model's `build` sees it as a boolean. */
export interface BoolParamSpec {
  type: 'bool';
  default: boolean;
  /** A boolean has no range (declared so that any ParamSpec reads alike). */
  min?: undefined;
  max?: undefined;
  doc: string;
}

export type ParamSpec = IntParamSpec | BoolParamSpec;

/** A model's parameter declarations, by name. */
export type ParamSpecs = Record<string, ParamSpec>;

/** The values `build` receives, typed from the declarations: `intParam` gives a number, `boolParam` a boolean. */
export type ParamsOf<P extends ParamSpecs> = { readonly [K in keyof P]: ParamValueOf<P[K]> };

/** The value type of one declaration (distributes: an undeclared `ParamSpec` gives number | boolean). */
export type ParamValueOf<T extends ParamSpec> = T extends IntParamSpec ? number : T extends BoolParamSpec ? boolean : never;

/** Parameter values of any model (what the engine, reports and traces carry). */
export type ParamValues = Record<string, number | boolean>;

/**
 * What `build` gets: the parameter values typed from the model's declarations (`params.cpus` is a
 * number when `cpus` was declared with `intParam`), and the variant as one of the declared names.
 */
export interface BuildContext<P extends ParamSpecs = ParamSpecs, V extends string = string> {
  params: ParamsOf<P>;
  variant: V;
}

/**
 * Interchangeable members of the system (identical CPUs, identical VM creators): permuting the
 * members, with everything the declaration says is indexed by them or refers to them, maps every
 * reachable state to a reachable state with the same behaviour and the same property values.
 * The engine then keeps one state per orbit (symmetry reduction, `kmc check --no-symmetry`
 * turns it off). Paths are layout paths (`online`, `xcalls.pending`, `kvm_lock.holder`); `[*]`
 * stands for every index of an array (`xcalls.pending[*]`: each row of `pending`).
 * tests/engine/reduction/ checks each bundled declaration against the model's own steps.
 */
export interface SymmetryDef {
  /** What is interchangeable, for reports: 'creators', 'CPUs 0-2'. */
  name: string;
  /** The member indices (CPU numbers, creator numbers): the indices of the `indexed` arrays. */
  members: number[];
  /** The threads each member runs, by name; every member runs as many, matched by position. */
  threads?: (member: number) => string[];
  /** Arrays indexed by member: entry `m` belongs to member `m` (entries of equal shape). */
  indexed?: string[];
  /** Slots whose value is a thread index (a lock holder, `busy`): renamed with the threads. */
  threadValues?: string[];
  /** Slots whose value is a member index. */
  memberValues?: string[];
  /**
   * Fields of the threads' locals (paths inside `env.local`: `cpu`, `task.cpu`), in every thread
   * whose locals have them, whose value is a member index or a thread index. A member's threads'
   * locals move with the member without being declared (they are the thread's own); only
   * values need renaming.
   */
  localMemberValues?: string[];
  localThreadValues?: string[];
  /**
   * Location ids that name a member (`enable.c1.inc`, for a thread's choice of CPU): the id of
   * location `id` of `thread` once every member `m` is renamed `rename(m)`. Default: unchanged.
   */
  locations?: (thread: string, id: string, rename: (member: number) => number) => string;
}

/**
 * A global condition on who may run: stop_machine (while it runs, only the stopper does), the
 * freezer (a frozen task does not run). Declared once for the model instead of being written into
 * every other thread's guards: every action of every thread is enabled only when each gate allows
 * it *and* its own guard holds (the engine conjoins them, so footprints and POR see the gate's
 * reads like a guard's). src/kernel/context.ts has the kernel's gates.
 */
export interface Gate<S> {
  /** What holds the thread back, for deadlock reports: 'stop_machine (cpu1/hotplug stops every CPU)'. */
  name: string | ((state: S, env: StepEnv<any>) => string);
  /** May this thread take this action in this state? Must only read. */
  allows(state: S, env: StepEnv<any>, action: GatedAction): boolean;
  /**
   * For the step compiler (src/model/straight.ts): `allows` for one thread's action, decided as
   * far as the thread and the action alone decide it. `true`: the gate lets this action through
   * in every state; a function `(state, env) => boolean` equal to `allows(state, env, action)`,
   * whose straight form (declareStraight) the compiler can compile; undefined: none (the gated
   * guard then stays on the general path). `env` carries the thread's name, index and the thread
   * names but no state (reading `env.local` throws). Optional; the tests compare the compiled
   * guards with `allows` on every bundled model.
   */
  forAction?(env: StepEnv<any>, action: GatedAction): ((state: S, env: StepEnv<any>) => boolean) | true | undefined;
}

/** What a gate knows of the action it judges. */
export interface GatedAction {
  /** The location id, the label and the tags of the action. */
  readonly id: string;
  readonly label: string;
  readonly tags: readonly string[];
  /** The thread's kind (ThreadDef.kind), if it was spawned from one. */
  readonly kind: string | undefined;
}

/** What `build` returns: the concrete system for one variant and parameter set. */
export interface System<S> {
  init: S;
  threads: ThreadDef<S, any>[];
  /** Global conditions on every step (see Gate). */
  gates?: Gate<S>[];
  /** Interchangeable members (optional; see SymmetryDef). */
  symmetry?: SymmetryDef[];
}

/**
 * A model. Written with `defineModel({ ..., build({ params, variant }): System<S> { ... } })`, the
 * parameter and variant types are inferred from `params` and `variants`.
 */
/** The state type of a model: `type S = StateOf<typeof model>` (for property files). */
export type StateOf<M> = M extends ModelDef<infer S, any, any> ? S : never;

/** The variant names of a model, as a union. */
export type VariantOf<M> = M extends ModelDef<any, any, infer V> ? V : never;

export interface ModelDef<S extends object = any, P extends ParamSpecs = ParamSpecs, V extends string = string> {
  name: string;
  /** One-paragraph description; shown by `kmc list`. */
  doc: string;
  /** The seed thread (file name under shared/seeds/) the model comes from, if any. */
  seed?: string;
  params: P;
  /** Variant name -> what code it encodes. The first is the default. */
  variants: Record<V, string>;
  build(ctx: BuildContext<P, V>): System<S>;
}
