// A model, compiled for one variant and parameter set, into an executable transition system
// over packed states.
//
// A packed state is an Int32Array: the program counter of each thread (location index, or -1
// when the thread has ended) followed by the variables in the layout's slots. This file is the
// one place that defines what a step does; the explorer, random search and replay all go
// through `enabled` and `apply`.

import { produce } from 'immer';
import { ModelError } from '../util/errors.js';
import { ARRAY_KEY_ADVICE, arrayKeyText, buildLayout, buildView, unpack, packInto, type Layout, type StateData, type ViewTarget } from './layout.js';
import { buildCodec, type Codec, type StrayKey } from './codec.js';
import { declareStraight, NEXT_BAIL, straightGuard, straightNext, straightProperty, straightRecipe, type StraightContext, type StraightGuard, type StraightNext, type StraightRecipe } from './straight.js';
import { localOwners, localsOf, withLocals } from './locals.js';
import { resolveParams, resolveVariant } from './params.js';
import { END, type ActionDef, type Gate, type GatedAction, type ModelDef, type ParamValues, type StepEnv, type SymmetryDef, type ThreadDef } from './types.js';
import { StepError, type BlockedThread, type FootprintRecorder, type SlotSinks, type Step, type StepOutcome, type TransitionSystem } from './system.js';

export { StepError, type BlockedThread, type StepOutcome } from './system.js';

export const PC_END = -1;

export interface CompiledAction extends Step {
  /** Thread index. */
  thread: number;
  /** Location index in the thread's program. */
  location: number;
  /** Index of the action within its location. */
  alt: number;
  /** Location id (the program counter's name). */
  id: string;
  /** What traces show: the code, then the note if any (`code [note]`). */
  label: string;
  /** The code alone (ActionDef.label). */
  code: string;
  /** ActionDef.note, if any. */
  note: string | undefined;
  fn: string;
  tags: readonly string[];
  def: ActionDef<any>;
  /**
   * `def.guard` and `def.run`, copied: every CompiledAction has one shape, while the models'
   * action definitions are object literals of many shapes, so reading `def.guard` on the hot
   * path was a megamorphic property load (about 7% of a check's time under perf).
   */
  guard: ((s: any, env: StepEnv) => boolean) | undefined;
  run: ((d: any, env: StepEnv) => void) | undefined;
  /**
   * The guard compiled to straight-line code over the packed state (straight.ts), if it could be.
   * Until its first call, a stub that compiles it (compileLazily; compileSteps compiles all now).
   */
  straightGuard: StraightGuard | undefined;
  /** The recipe compiled likewise, when it could be and `next` is static or compiled too (a stub until its first call). */
  straightRecipe: StraightRecipe | undefined;
  /** A computed `next` compiled likewise (over the successor), if it could be; set when the recipe is compiled. */
  straightNext: StraightNext | undefined;
  /** Static successor location (index or PC_END), or null when `next` is computed. */
  staticNext: number | null;
  /** Index in CompiledModel.allActions. */
  ordinal: number;
}

export interface CompiledLocation {
  id: string;
  end: boolean;
  /** The location-wide precondition (LocationDef.anyEnabled), if any. */
  anyEnabled: ((s: any, env: StepEnv) => boolean) | undefined;
  actions: CompiledAction[];
}

export interface CompiledThread {
  name: string;
  /** The thread kind it was spawned from (ThreadDef.kind), if any. */
  kind: string | undefined;
  locations: CompiledLocation[];
  ids: Map<string, number>;
}

/**
 * A model compiled for one variant and parameter set: the transition system the engine runs
 * (system.ts, the model↔engine contract) and, apart from it, the metadata that reports, trace
 * files, listings and the reductions read (the definition, threads and locations, layout,
 * symmetry, footprint recording).
 */
export interface CompiledModel<S extends object = any> extends TransitionSystem<CompiledAction, S> {
  // ---- metadata ------------------------------------------------------------------------------
  def: ModelDef<S>;
  params: ParamValues;
  /** Compiled with the reference semantics (CompileOptions.reference): `apply` runs recipes under immer's produce. */
  reference: boolean;
  threads: CompiledThread[];
  threadNames: string[];
  layout: Layout;
  /** Number of program counters (= threads). */
  pcs: number;
  /** Every action of every thread, by ordinal (for listings, coverage and footprints). */
  allActions: CompiledAction[];
  /** The interchangeable members the model declares (symmetry reduction; empty: none). */
  symmetry: readonly SymmetryDef[];
  /**
   * For each variable slot: the index of the thread whose local variable it is, or -1 for a
   * global (locals.ts). A step whose reads and writes are all its own thread's locals (and its
   * own program counter) is independent of every other thread's steps.
   */
  localOwner: Int32Array;
  /** The model's variables as plain data. */
  vars(state: Int32Array): S;
  /** Location id of each thread (END for ended threads). */
  locationIds(state: Int32Array): string[];
  /** Pack plain variables and location ids into a state (used by replay to compare and by tests). */
  pack(vars: unknown, locations: readonly string[]): Int32Array;

  // ---- footprint recording (the reduction code's) ------------------------------------------------
  /** A recorder of the slots guards, steps and properties read and write into `sinks`, with views of its own (system.ts). */
  recorder(sinks: SlotSinks): FootprintRecorder<CompiledAction, S>;
  /**
   * Look for a store to a key of a state array that is no index (`d.arr[NaN] = 1`) after every
   * step `apply` runs on the scratch tree (`true`: the determinism probe's sample; about 10,000
   * instructions a step on kvm-hotplug), or after each action's first ARRAY_CHECKS such steps and
   * every ARRAY_CHECK_EVERY-th step only (`false`, the default). Found, it is the step's error,
   * as under immer, or, when a step checked later finds it, a ModelError that cannot name the
   * step; one stored after the last check of a search is lost (codec.ts).
   */
  checkArrayStores(everyStep: boolean): void;
}

export interface CompileOptions {
  variant?: string | undefined;
  params?: Record<string, string | number | boolean>;
  /**
   * The reference semantics: `apply` runs every recipe under immer's `produce` on the plain state
   * object (unpacked, drafted, the result packed), not on the codec's scratch object. Slower; the
   * fast path must give the same successors (`kmc check --reference` compares them on demand).
   */
  reference?: boolean | undefined;
  /**
   * Compile the guards and recipes in straight.ts's subset to code over the packed state (the
   * default). `false` runs every step on the scratch tree (tests compare the two).
   */
  straight?: boolean | undefined;
}

export function compileModel<S extends object>(def: ModelDef<S>, options: CompileOptions = {}): CompiledModel<S> {
  const variant = resolveVariant(def, options.variant);
  const params = resolveParams(def, options.params ?? {});
  let system;
  try {
    system = def.build({ params, variant });
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`model ${def.name} (variant ${variant}) failed to build: ${(e as Error).message ?? String(e)}`);
  }
  const threadDefs = system.threads;
  const initData = withLocals(def.name, system.init, threadDefs);
  const layout = buildLayout(initData);
  if (threadDefs.length === 0) throw new ModelError(`model ${def.name}: no threads`);
  const threadNames = threadDefs.map((t) => t.name);
  const dup = threadNames.find((n, i) => threadNames.indexOf(n) !== i);
  if (dup) throw new ModelError(`model ${def.name}: two threads are named '${dup}'`);
  const pcs = threadDefs.length;
  const width = pcs + layout.size;
  // Two scratch trees (codec.ts): one for the steps (guards, recipes, next()), one for the
  // properties (`view`), so that reading a successor's properties does not move the steps' tree
  // off the state whose actions are being applied. A view of the state the steps' tree holds
  // (step properties, read before each step) is that tree, decoded already.
  const steps = scratchOver(buildCodec(layout), pcs);
  const props = scratchOver(buildCodec(layout), pcs);
  const codec = steps.codec;
  const scratch = codec.scratch as S;
  const load = steps.load;
  /** The tree `view` returned last (what `unchanged` checks). */
  let viewed = props;

  const threads = threadDefs.map((t, ti) => compileThread(def.name, t, ti, system.gates ?? [], staticEnv(t.name, ti, threadNames)));
  // What a property compiled over the packed state reads of the threads (straight.ts): one frozen
  // object for every compile, so the compiler derives its part of the key once (threadsKey).
  const propertyThreads = Object.freeze({ names: threadNames, ids: Object.freeze(threads.map((t) => t.ids)) });
  const allActions = threads.flatMap((t) => t.locations.flatMap((l) => l.actions));
  allActions.forEach((a, i) => (a.ordinal = i));
  // Straight-line code for the guards and recipes in its subset (straight.ts); the rest run on
  // the scratch tree. The reference semantics (the oracle) compiles nothing. Compiled on first
  // use (compileLazily), so a run pays only for the steps it reaches.
  if (options.straight !== false && options.reference !== true)
    for (const a of allActions) {
      // A compiled recipe's WARN_ON/BUG_ON that does not fire is heard as the general path's is.
      const ctx = { layout, pcs, self: a.thread, thread: threadNames[a.thread]!, threadNames, hear: () => hear };
      compileLazily(a, ctx, threads[a.thread]!.ids);
    }

  const init = new Int32Array(width);
  packInto(layout.root, initData, init, pcs);
  for (let t = 0; t < pcs; t++) init[t] = threads[t]!.locations.length > 0 ? 0 : PC_END;

  // Per-thread environments; `fired`/`halted` collect what WARN_ON/BUG_ON saw during one step.
  // Most steps fire nothing: they share one frozen outcome instead of allocating.
  let fired: string[] = NOTHING_FIRED;
  let halted = false;
  // Two environments per thread: `env.local` is the thread's locals in the scratch object (the
  // hot path) or in the views (footprints). Both are fixed nodes (decode restores a replaced
  // scratch node), so it is a plain property; the env is frozen, so `env.local = ...` throws.
  // Who hears the WARN_ON/BUG_ON tags steps evaluate (coverage); recorders' environments do not tell.
  let hear: ((tag: string) => void) | null = null;
  const makeEnv = (name: string, self: number, vars: unknown, heard = true): StepEnv =>
    Object.freeze({
      thread: name,
      self,
      threadNames,
      local: localsOf(vars, name),
      warnOn(cond: boolean, tag: string) {
        if (heard) hear?.(tag);
        if (cond) (fired === NOTHING_FIRED ? (fired = []) : fired).push(tag);
      },
      bugOn(cond: boolean, tag: string) {
        if (heard) hear?.(tag);
        if (cond) {
          (fired === NOTHING_FIRED ? (fired = []) : fired).push(tag);
          halted = true;
          throw BUG;
        }
      },
    });
  const envs: StepEnv[] = threadNames.map((name, self) => makeEnv(name, self, scratch));

  const plainState = (state: Int32Array) => ({
    locations: locationIds(state),
    vars: unpack(layout.root, state, pcs),
  });

  const fail = (action: CompiledAction, state: Int32Array, what: string, e: unknown, Err: typeof StepError = StepError): never => {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Err(
      `model ${def.name}: thread ${threadNames[action.thread]}, step '${action.label}': ${what}: ${msg}`,
      def.name,
      threadNames[action.thread]!,
      action.label,
      plainState(state),
    );
  };

  function locationIds(state: Int32Array): string[] {
    const out: string[] = [];
    for (let t = 0; t < pcs; t++) {
      const pc = state[t]!;
      out.push(pc === PC_END ? END : threads[t]!.locations[pc]!.id);
    }
    return out;
  }

  /**
   * The enabled actions of `state`, guards evaluated on the scratch object. Location-wide
   * `anyEnabled` tests skip a location's guards (a recorder evaluates each guard itself, so its
   * recorded reads cover them all).
   */
  function collectEnabled(state: Int32Array, out: CompiledAction[]): number {
    const vars = scratch;
    let n = 0;
    for (let t = 0; t < pcs; t++) {
      const pc = state[t]!;
      if (pc === PC_END) continue;
      const loc = threads[t]!.locations[pc]!;
      if (loc.anyEnabled !== undefined) {
        if (!treeLoaded) loadTree(state);
        let any: boolean;
        try {
          any = loc.anyEnabled(vars, envs[t]!);
        } catch (e) {
          return fail(loc.actions[0]!, state, "its location's anyEnabled threw", e);
        }
        if (!any) continue;
      }
      for (let a = 0; a < loc.actions.length; a++) {
        const action = loc.actions[a]!;
        const guard = action.guard;
        if (guard !== undefined) {
          const straight = action.straightGuard;
          const r = straight === undefined ? -1 : straight(state);
          if (r === 0) continue;
          if (r < 0) {
            if (!treeLoaded) loadTree(state);
            let ok: boolean;
            try {
              ok = guard(vars, envs[t]!);
            } catch (e) {
              return fail(action, state, 'its guard threw', e);
            }
            if (!ok) continue;
          }
        }
        out[n++] = action;
      }
    }
    return n;
  }

  /** Whether collectEnabled ran any guard on the scratch tree (it is loaded only then). */
  let treeLoaded = false;
  function loadTree(state: Int32Array): void {
    load(state);
    treeLoaded = true;
  }

  // A store to a key of a state array that is no index succeeds on the scratch tree (its arrays
  // are plain for speed) and is lost, where immer throws. Looking for one after a step costs
  // about as much as the step (codec.ts), so apply looks after each action's first ARRAY_CHECKS
  // runs on the tree (a recipe that always does it is caught at once; one that does it in some
  // states only, when it happens then), after every ARRAY_CHECK_EVERY-th step, and, while
  // checkEvery is set, after every step.
  let checkEvery = false;
  const arrayChecksLeft = new Int32Array(allActions.length).fill(ARRAY_CHECKS);
  // Beyond those, every ARRAY_CHECK_EVERY-th step on the tree: a key stays until found, so a
  // store by any step before it is found then (as another step's, when that step did not store it).
  let uncheckedSteps = 0;

  /** After `action`'s recipe ran on the tree from `src`: fails the step if it stored a key no index of an array. */
  function checkArrays(action: CompiledAction, src: Int32Array): void {
    if (arrayChecksLeft[action.ordinal]! > 0) arrayChecksLeft[action.ordinal]!--;
    uncheckedSteps = 0;
    const found = codec.strayKeys();
    if (found.length === 0) return;
    // Unchecked steps before it may have stored the keys found (one stays until found): the step
    // runs again on the tree decoded afresh, the keys gone, to say whose they are.
    steps.invalidate();
    load(src);
    steps.invalidate();
    fired = NOTHING_FIRED;
    halted = false;
    const listener = hear;
    hear = null;
    try {
      action.run!(scratch as never, envs[action.thread]!);
    } catch {
      // (its keys, if any, are on the tree all the same)
    } finally {
      hear = listener;
    }
    const own = codec.strayKeys();
    const what = (k: StrayKey) => arrayKeyText(k.array, k.key);
    const why = ARRAY_KEY_ADVICE;
    if (own.length > 0) fail(action, src, 'it stored to a key that is no index', new Error(`${own.map(what).join(', ')}: ${why}`), ArrayStoreError);
    throw new ModelError(
      `model ${def.name}: a guard or step stored to ${found.map(what).join(', ')}, found after thread ${threadNames[action.thread]}'s step '${action.label}', which did not store it: the step that did was not among those checked (each action's first ${ARRAY_CHECKS} steps, every ${ARRAY_CHECK_EVERY}th step); ${why}`,
    );
  }

  // The hot path: guards, recipes and next() run on the scratch object (codec.ts).
  function enabled(state: Int32Array, out: CompiledAction[]): number {
    treeLoaded = false;
    const n = collectEnabled(state, out);
    if (treeLoaded && !codec.same(state, pcs)) {
      steps.invalidate();
      const culprit = out[0] ?? allActions[0]!;
      return fail(culprit, state, 'a guard', new Error('wrote to the state (guards must only read it)'));
    }
    return n;
  }

  /**
   * The recipe runs on the scratch tree holding `src`; encoding the successor into `dst` puts the
   * tree back to `src` (codec.encodeRevert), so the next action from `src` starts without a decode.
   * A computed next() reads the state after the step: the tree is put back after it.
   */
  function apply(src: Int32Array, action: CompiledAction, dst: Int32Array): StepOutcome {
    const straight = action.straightRecipe;
    if (straight !== undefined && dst !== src && straight(src, dst)) {
      const next = action.staticNext ?? action.straightNext!(dst);
      if (next !== NEXT_BAIL) {
        dst[action.thread] = next;
        return QUIET;
      }
      // The compiled next bailed: the general path runs the step from scratch (dst is rewritten).
    }
    load(src);
    steps.invalidate(); // the recipe mutates the scratch object; valid again once it is put back
    fired = NOTHING_FIRED;
    halted = false;
    const env = envs[action.thread]!;
    const run = action.run;
    if (run !== undefined) {
      try {
        run(scratch as never, env);
      } catch (e) {
        if (e !== BUG) return fail(action, src, 'it threw', e);
      }
      if (checkEvery || arrayChecksLeft[action.ordinal]! > 0 || ++uncheckedSteps >= ARRAY_CHECK_EVERY) checkArrays(action, src);
    }
    let next = action.staticNext;
    if (dst === src) {
      // In place: `src` is overwritten, so the tree is rebuilt from the successor afterwards.
      next = encodeInPlace(src, action, env);
    } else if (next !== null) {
      try {
        codec.encodeRevert(dst, src, pcs);
      } catch (e) {
        return fail(action, src, 'it wrote a value of the wrong shape', e);
      }
    } else {
      let replaced: boolean;
      try {
        replaced = codec.encode(dst, pcs);
      } catch (e) {
        return fail(action, src, 'it wrote a value of the wrong shape', e);
      }
      let id: string;
      try {
        id = (action.def.next as (s: S, env: StepEnv) => string)(scratch, env);
      } catch (e) {
        return fail(action, src, 'its next() threw', e);
      }
      if (!codec.same(dst, pcs)) return fail(action, src, 'its next()', new Error('wrote to the state (next must only read it)'));
      if (replaced) codec.decode(src, pcs);
      else codec.revert(dst, src, pcs);
      const resolved = resolveNext(threads[action.thread]!, id);
      if (resolved === undefined)
        return fail(action, src, 'next()', new Error(`returned '${id}', which is not a location of the thread`));
      next = resolved;
    }
    if (dst !== src) steps.revalidate(); // the tree holds `src` again
    for (let t = 0; t < pcs; t++) dst[t] = src[t]!;
    dst[action.thread] = next;
    return fired === NOTHING_FIRED && !halted ? QUIET : { fired, halted };
  }

  /** apply's rare case of `dst` being `src`: plain encode, next() on the result, the tree left holding the successor's variables. */
  function encodeInPlace(src: Int32Array, action: CompiledAction, env: StepEnv): number {
    const before = src.slice();
    try {
      codec.encode(src, pcs);
    } catch (e) {
      return fail(action, before, 'it wrote a value of the wrong shape', e);
    }
    steps.load(src); // the tree holds src's new variables: decode puts back any replaced node
    if (action.staticNext !== null) return action.staticNext;
    const next = computedNext(action, before, scratch, env);
    if (!codec.same(src, pcs)) {
      steps.invalidate();
      return fail(action, before, 'its next()', new Error('wrote to the state (next must only read it)'));
    }
    return next;
  }

  // The reference path (CompileOptions.reference): the recipe runs under immer's `produce` on a
  // fresh plain copy of the variables, with the thread's locals read from the draft; the frozen
  // result is packed, and next() reads it. Guards still run on the scratch object (they only read).
  function applyReference(src: Int32Array, action: CompiledAction, dst: Int32Array): StepOutcome {
    fired = NOTHING_FIRED;
    halted = false;
    const name = threadNames[action.thread]!;
    const run = action.def.run;
    let after: unknown;
    try {
      after = produce(unpack(layout.root, src, pcs), (draft: unknown) => {
        try {
          // A recipe's return value is ignored, as on the fast path (immer would take it as the new state).
          run?.(draft as never, makeEnv(name, action.thread, draft));
        } catch (e) {
          if (e !== BUG) throw e;
        }
      });
    } catch (e) {
      return fail(action, src, 'it threw', e);
    }
    try {
      packInto(layout.root, after, dst, pcs);
    } catch (e) {
      return fail(action, src, 'it wrote a value of the wrong shape', e);
    }
    for (let t = 0; t < pcs; t++) dst[t] = src[t]!;
    dst[action.thread] = action.staticNext ?? computedNext(action, src, after as S, makeEnv(name, action.thread, after));
    return fired === NOTHING_FIRED && !halted ? QUIET : { fired, halted };
  }

  /** The location index a computed next() names, read on `vars` (a ModelError if it throws or names no location). */
  function computedNext(action: CompiledAction, src: Int32Array, vars: S, env: StepEnv): number {
    let id: string;
    try {
      id = (action.def.next as (s: S, env: StepEnv) => string)(vars, env);
    } catch (e) {
      return fail(action, src, 'its next() threw', e);
    }
    const resolved = resolveNext(threads[action.thread]!, id);
    if (resolved === undefined) return fail(action, src, 'next()', new Error(`returned '${id}', which is not a location of the thread`));
    return resolved;
  }

  /** `action` run through the views over `over` (root: its root view, with `viewEnvs` over it). */
  function applyThrough(over: ViewTarget, root: S, viewEnvs: readonly StepEnv[], src: Int32Array, action: CompiledAction, dst: Int32Array): StepOutcome {
    dst.set(src);
    over.words = dst;
    over.readOnly = false;
    fired = [];
    halted = false;
    const env = viewEnvs[action.thread]!;
    const run = action.def.run;
    if (run !== undefined) {
      try {
        run(root as never, env);
      } catch (e) {
        if (e !== BUG) return fail(action, src, 'it threw', e);
      }
    }
    over.readOnly = true;
    dst[action.thread] = action.staticNext ?? computedNext(action, src, root, env);
    return { fired, halted };
  }

  // Footprint recording (system.ts): each recorder has a view target, views and environments of
  // its own, so recording never disturbs the fast path nor another recorder. Its target reads
  // the owner's sinks at every access (the owner swaps them).
  function recorder(sinks: SlotSinks): FootprintRecorder<CompiledAction, S> {
    const over: ViewTarget = {
      words: new Int32Array(width),
      base: pcs,
      readOnly: true,
      get reads() {
        return sinks.reads;
      },
      set reads(r) {
        sinks.reads = r;
      },
      get writes() {
        return sinks.writes;
      },
      set writes(w) {
        sinks.writes = w;
      },
    };
    const views = buildView(layout.root, over) as S;
    const quietEnvs = threadNames.map((name, self) => makeEnv(name, self, views, false));
    return {
      view(state) {
        over.words = state;
        over.readOnly = true;
        return views;
      },
      env: (thread) => quietEnvs[thread]!,
      guard(state, action) {
        const guard = action.def.guard;
        if (guard === undefined) return true;
        over.words = state;
        over.readOnly = true;
        try {
          return guard(views, quietEnvs[action.thread]!);
        } catch (e) {
          return fail(action, state, 'its guard threw', e);
        }
      },
      apply: (src, action, dst) => applyThrough(over, views, quietEnvs, src, action, dst),
    };
  }

  function blocked(state: Int32Array): BlockedThread[] {
    load(state);
    const root = scratch;
    const out: BlockedThread[] = [];
    for (let t = 0; t < pcs; t++) {
      const pc = state[t]!;
      if (pc === PC_END) continue;
      const loc = threads[t]!.locations[pc]!;
      if (loc.end) continue;
      const first = loc.actions[0]!;
      const waits = loc.actions
        .map((a) => (a.def.blockedOn ? a.def.blockedOn(root, envs[t]!) : a.def.guard ? 'its guard to hold' : 'nothing'))
        .join(' or ');
      out.push({ thread: threadNames[t]!, at: loc.id, label: first.label, waitsFor: waits });
    }
    return out;
  }

  function isDeadlock(state: Int32Array, enabledCount: number): boolean {
    if (enabledCount > 0) return false;
    for (let t = 0; t < pcs; t++) {
      const pc = state[t]!;
      if (pc !== PC_END && !threads[t]!.locations[pc]!.end) return true;
    }
    return false;
  }

  function pack(vars: unknown, locations: readonly string[]): Int32Array {
    const out = new Int32Array(width);
    if (locations.length !== pcs) throw new ModelError(`expected ${pcs} thread locations, got ${locations.length}`);
    for (let t = 0; t < pcs; t++) {
      const id = locations[t]!;
      const idx = id === END ? PC_END : threads[t]!.ids.get(id);
      if (idx === undefined) throw new ModelError(`thread ${threadNames[t]} has no location '${id}'`);
      out[t] = idx;
    }
    packInto(layout.root, vars, out, pcs);
    return out;
  }

  return {
    def,
    name: def.name,
    variant,
    params,
    reference: options.reference === true,
    threads,
    threadNames,
    layout,
    pcs,
    width,
    init,
    enabled,
    apply: options.reference === true ? applyReference : apply,
    blocked,
    isDeadlock,
    vars: (state) => unpack(layout.root, state, pcs) as S,
    locationIds,
    view(state) {
      // A step property reads the state whose steps are being applied: the steps' tree holds it.
      if (steps.holds(state)) {
        viewed = steps;
        return scratch;
      }
      props.load(state);
      viewed = props;
      return props.codec.scratch as S;
    },
    unchanged(state, who) {
      if (!viewed.codec.same(state, pcs)) {
        viewed.invalidate();
        throw new ModelError(`model ${def.name}: ${who} wrote to the state (it must only read it)`);
      }
    },
    pack,
    allActions,
    symmetry: system.symmetry ?? [],
    localOwner: localOwners(layout, threadNames),
    localsOf: (vars, t) => localsOf(vars, threadNames[t]!),
    stepCount: allActions.length,
    locationId: (state, t) => {
      const pc = state[t]!;
      return pc === PC_END ? END : threads[t]!.locations[pc]!.id;
    },
    fnAt: (state, t) => {
      const pc = state[t]!;
      return pc === PC_END ? '' : threads[t]!.locations[pc]!.actions[0]!.fn;
    },
    hearAssertions(listener) {
      hear = listener;
    },
    // Properties over the packed state (straight.ts), unless the model compiles nothing.
    compileProperty: (holds, step) => (options.straight !== false && options.reference !== true ? straightProperty(holds, { layout, pcs, self: -1, thread: '', params, variant, threads: propertyThreads, ...(step !== undefined ? { step } : {}) }) : undefined),
    recorder,
    checkArrayStores(everyStep) {
      checkEvery = everyStep;
    },
  };
}

/** Each action's compilations still waiting for the first use (compileSteps runs them). */
const pending = new WeakMap<CompiledAction, () => void>();

/**
 * The action's straight-line guard and recipe (with its computed next), each compiled by a stub
 * the first time it is called, which puts the compiled function (or undefined: not in the
 * subset) in its place and answers as it would: a guard the compiler refused answers -1 (the
 * model's guard is evaluated), a recipe false (the general path runs the step). A computed
 * next is compiled with its recipe: apply calls `straightNext` only after the recipe ran.
 */
function compileLazily(a: CompiledAction, ctx: StraightContext, ids: ReadonlyMap<string, number>): void {
  let guardDone = a.guard === undefined;
  let recipeDone = false;
  const compileGuard = (): void => {
    guardDone = true;
    a.straightGuard = straightGuard(a.guard!, ctx);
  };
  const compileRecipe = (): void => {
    recipeDone = true;
    a.straightNext = a.staticNext === null ? straightNext(a.def.next as Function, ctx, ids) : undefined;
    a.straightRecipe = a.staticNext !== null || a.straightNext !== undefined ? straightRecipe(a.run, ctx) : undefined;
  };
  if (!guardDone)
    a.straightGuard = (w) => {
      compileGuard();
      const g = a.straightGuard;
      return g === undefined ? -1 : g(w);
    };
  a.straightRecipe = (s, t) => {
    compileRecipe();
    const r = a.straightRecipe;
    return r !== undefined && r(s, t);
  };
  pending.set(a, () => {
    if (!guardDone) compileGuard();
    if (!recipeDone) compileRecipe();
    pending.delete(a);
  });
}

/**
 * Compiles now every step of `model` still waiting for its first use, so that `straightGuard`,
 * `straightRecipe` and `straightNext` say which steps the compiler took (undefined: refused).
 * For tests, bench/apply-path's coverage, and the pool, which hands the generated code to its
 * workers (src/parallel/pool.ts); the search needs no call.
 */
export function compileSteps<M extends CompiledModel>(model: M): M {
  for (const a of model.allActions) pending.get(a)?.();
  return model;
}

/**
 * A codec's scratch tree and which variables it holds, by content (not by buffer identity, since
 * callers reuse buffers): loading a state whose variables equal these skips the decode.
 */
function scratchOver(codec: Codec, pcs: number) {
  const size = codec.size;
  const loadedVars = new Int32Array(size);
  let valid = false;
  /** Does the tree hold `state`'s variables (without decoding)? */
  const holds = (state: Int32Array): boolean => {
    if (!valid) return false;
    for (let i = 0; i < size; i++) if (loadedVars[i] !== state[pcs + i]) return false;
    return true;
  };
  return {
    codec,
    load(state: Int32Array): void {
      if (holds(state)) return;
      codec.decode(state, pcs);
      for (let i = 0; i < size; i++) loadedVars[i] = state[pcs + i]!;
      valid = true;
    },
    holds,
    /** The tree may no longer hold the loaded variables (a step or a faulty guard wrote to it). */
    invalidate(): void {
      valid = false;
    },
    /** The tree holds the last loaded variables again (a step's writes were put back). */
    revalidate(): void {
      valid = true;
    },
  };
}

/** A step stored to a key of a state array that is no index (CompiledModel.checkArrayStores). */
export class ArrayStoreError extends StepError {}

/** On how many of each action's first steps on the scratch tree apply looks for stores to an array's keys that are no index. */
const ARRAY_CHECKS = 8;
/** ... and after every how many other steps on the tree (about 10,000 instructions a check on kvm-hotplug: 2 a step). */
const ARRAY_CHECK_EVERY = 4096;

const NOTHING_FIRED: string[] = Object.freeze([]) as unknown as string[];
const QUIET: StepOutcome = Object.freeze({ fired: NOTHING_FIRED, halted: false });

/** Thrown by bugOn to abandon the rest of the recipe. */
const BUG: unique symbol = Symbol('BUG');

function resolveNext(thread: CompiledThread, id: string): number | undefined {
  return id === END ? PC_END : thread.ids.get(id);
}

/** What a trace shows for an action: its code, then its note in brackets. */
export function labelOf(a: Pick<ActionDef<any, any>, 'label' | 'note'>): string {
  return a.note ? `${a.label} [${a.note}]` : a.label;
}

/**
 * The action as the engine runs it: with gates, its guard is "every gate allows it, and its own
 * guard holds", and what it waits for names the first gate that holds it back. Every path (the
 * scratch objects, the views, POR's footprints, replay) evaluates `def.guard`, so all see the gate.
 */
function gated(a: ActionDef<any, any>, gates: readonly Gate<any>[], loc: string, kind: string | undefined, env: StepEnv): ActionDef<any, any> {
  if (gates.length === 0) return a;
  const info: GatedAction = Object.freeze({ id: loc, label: labelOf(a), tags: Object.freeze([...(a.tags ?? [])]), kind });
  const own = a.guard;
  const guard = (s: any, env: StepEnv<any>): boolean => {
    for (let i = 0; i < gates.length; i++) if (!gates[i]!.allows(s, env, info)) return false;
    return own === undefined || own(s, env);
  };
  // For the step compiler: the same conjunction, of each gate's test for this action (the gates
  // that always let it through left out) and its own guard, in the same order.
  const parts = gateParts(gates, env, info);
  if (parts !== undefined) declareStraight(guard, { all: own === undefined ? parts : [...parts, own] });
  const blockedOn = (s: any, env: StepEnv<any>): string => {
    for (const g of gates) if (!g.allows(s, env, info)) return typeof g.name === 'string' ? g.name : g.name(s, env);
    return a.blockedOn ? a.blockedOn(s, env) : own ? 'its guard to hold' : 'nothing';
  };
  return { ...a, guard, blockedOn };
}

/** Each gate's forAction for this action, without those that always allow it; undefined when a gate has none. */
function gateParts(gates: readonly Gate<any>[], env: StepEnv, info: GatedAction): Function[] | undefined {
  const parts: Function[] = [];
  for (const g of gates) {
    let part: ReturnType<NonNullable<Gate<any>['forAction']>>;
    try {
      part = g.forAction?.(env, info);
    } catch {
      // Asked about the state (env.local): the gate is not decided by the action alone. The
      // general path evaluates it, with its own errors.
      return undefined;
    }
    if (part === undefined) return undefined;
    if (part !== true) parts.push(part);
  }
  return parts;
}

/** A thread's environment without a state (what Gate.forAction gets): reading `local` or asserting throws. */
function staticEnv(thread: string, self: number, threadNames: string[]): StepEnv {
  const stateless = (): never => {
    throw new Error(`thread ${thread}: no state here`);
  };
  return Object.freeze({
    thread,
    self,
    threadNames,
    get local(): never {
      return stateless();
    },
    warnOn: stateless,
    bugOn: stateless,
  });
}

function compileThread(model: string, t: ThreadDef<any>, ti: number, gates: readonly Gate<any>[], env: StepEnv): CompiledThread {
  const ids = new Map<string, number>();
  t.program.forEach((loc, i) => {
    if (ids.has(loc.id)) throw new ModelError(`model ${model}: thread ${t.name} has two locations with id '${loc.id}'`);
    if (loc.actions.length === 0) throw new ModelError(`model ${model}: thread ${t.name}, location '${loc.id}' has no action`);
    ids.set(loc.id, i);
  });
  const locations: CompiledLocation[] = t.program.map((loc, li) => ({
    id: loc.id,
    end: loc.end === true,
    anyEnabled: loc.anyEnabled,
    actions: loc.actions.map((a0, ai): CompiledAction => {
      const a = gated(a0, gates, loc.id, t.kind, env);
      let staticNext: number | null;
      if (a.next === undefined) staticNext = li + 1 < t.program.length ? li + 1 : PC_END;
      else if (typeof a.next === 'string') {
        const r = a.next === END ? PC_END : ids.get(a.next);
        if (r === undefined)
          throw new ModelError(`model ${model}: thread ${t.name}, step '${a.label}': next '${a.next}' is not a location of the thread`);
        staticNext = r;
      } else staticNext = null;
      const colon = a.label.indexOf(':');
      return {
        thread: ti,
        location: li,
        alt: ai,
        id: loc.id,
        label: labelOf(a),
        code: a.label,
        note: a.note,
        fn: a.fn ?? (colon > 0 ? a.label.slice(0, colon).trim() : ''),
        tags: a.tags ?? [],
        def: a,
        guard: a.guard,
        run: a.run as ((d: any, env: StepEnv) => void) | undefined,
        straightGuard: undefined,
        straightRecipe: undefined,
        straightNext: undefined,
        staticNext,
        ordinal: -1,
      };
    }),
  }));
  return { name: t.name, kind: t.kind, locations, ids };
}
