// Running an interleaving recorded on one variant (the buggy code) on another (the patch).
//
// Choice indices mean nothing across variants (the patch adds, removes and reorders steps), so
// steps are matched by what they are: the thread's name and the C statement (the step label).
//
// The matching rule. The old trace is a list of steps (thread T, statement L). Starting from
// the patched model's initial state, take the old steps in order; for step k = (T, L):
//
//   1. If the patched variant has no thread named T: stop, inconclusive ("no-thread").
//   2. If T already ran L ahead of time (see 5), that execution is step k: nothing runs now
//      ("done-earlier": the patch moved the statement earlier in T).
//   3. Which statements of T in the patched variant "are L", by the first of these that finds
//      any: (a) those labelled L; (b) those whose statement text (the label after the C function
//      name and ':') is L's, since patches rename and split functions (`lock_ba: spin_lock(&B)`
//      becomes `lock_ab: spin_lock(&B)`); (c) the statement at the same location id as the old
//      step (the same action of a choice), since model authors keep a program point's id across
//      variants while the patch rewrites its statement (`on_each_cpu(hardware_enable, …)`
//      becomes `on_each_cpu(hardware_enable_nolock, …)`). If none: stop ("absent": the patch
//      removed the statement, so this interleaving cannot happen there).
//   4. If T's current location offers L: if that action is enabled, run it (step k is
//      "matched"); if not, stop ("blocked", with what the step waits for: its blockedOn).
//   5. Otherwise T is at a statement X the old trace does not have it run here (a step the
//      patch added, like a spin_lock, or a reordered one). T runs X when that is the only way
//      forward for it: exactly one action of T is enabled. Then go back to 4. If no action of T
//      is enabled, stop ("blocked" at X); if several are, stop, inconclusive ("ambiguous": a new
//      nondeterministic choice the old trace cannot settle). If T has finished, stop ("ended":
//      T cannot reach L any more). A state of T seen twice while doing this stops the
//      matching, inconclusive ("loops"). If X is a statement that T runs later in the old
//      trace, X is remembered as run ahead of time (used by 2).
//   6. A step that hits a BUG_ON stops the run there ("halted").
//
// Threads other than T never run on their own: the patched run contains only the old trace's
// steps and the steps their threads must take first, each as late as possible (just before the
// old step that needs it). When every old step has been placed the run is "completed"; whether
// the property still breaks along it is for the engine to evaluate on the resulting path.

import type { CompiledAction, CompiledModel } from '../model/compile.js';
import { PC_END } from '../model/compile.js';
import type { StepEnv } from '../model/types.js';

export interface OldStep {
  thread: string;
  label: string;
  /** Location id on the old variant (rule 3c). */
  id: string;
  /** Index of the action within its location on the old variant (rule 3c, for choices); default 0. */
  alt?: number;
}

export type PortedStep =
  /** Old step `oldStep` (1-based) ran as `choice` of the patched model. */
  | { kind: 'matched'; oldStep: number; choice: number; thread: string; id: string; label: string }
  /** A step of the patched code that `thread` had to run before old step `oldStep`. */
  | { kind: 'extra'; oldStep: number; choice: number; thread: string; id: string; label: string }
  /** Old step `oldStep` had already run as an extra step (the patch moved it earlier). */
  | { kind: 'done-earlier'; oldStep: number; thread: string; label: string };

export type PortEnd =
  | { kind: 'completed' }
  | { kind: 'blocked'; oldStep: number; thread: string; wanted: string; id: string; label: string; waitsFor: string; extra: boolean }
  | { kind: 'absent'; oldStep: number; thread: string; wanted: string }
  | { kind: 'ended'; oldStep: number; thread: string; wanted: string }
  | { kind: 'halted'; oldStep: number; thread: string; label: string; fired: string[] }
  | { kind: 'no-thread'; oldStep: number; thread: string; wanted: string }
  | { kind: 'ambiguous'; oldStep: number; thread: string; wanted: string; options: string[] }
  | { kind: 'loops'; oldStep: number; thread: string; wanted: string };

/** Ends that settle nothing about the patch: the rule could not place the old trace. */
export function inconclusive(end: PortEnd): boolean {
  return end.kind === 'no-thread' || end.kind === 'ambiguous' || end.kind === 'loops';
}

export interface Port {
  variant: string;
  /** Every step of the run on the patched model, with the old step it belongs to. */
  steps: PortedStep[];
  /** The choice indices of the run (matched and extra steps): a replay path on the patched model. */
  path: number[];
  end: PortEnd;
  /** The patched model's state where the run ended. */
  final: Int32Array;
}

const MAX_EXTRA = 10_000;

export function portTrace(old: readonly OldStep[], target: CompiledModel): Port {
  const steps: PortedStep[] = [];
  const path: number[] = [];
  const actions: CompiledAction[] = [];
  let state = target.init.slice();
  let next = new Int32Array(target.width);
  const ranAhead = new Map<string, string[]>(); // thread -> labels run ahead of their old step
  const labelsOf = new Map<number, Set<string>>();
  const labels = (t: number) => {
    let s = labelsOf.get(t);
    if (!s) labelsOf.set(t, (s = new Set(target.threads[t]!.locations.flatMap((l) => l.actions.map((a) => a.label)))));
    return s;
  };
  /** The labels of the patched statements of thread `t` that count as old step `s` (rule 3). */
  const targetsOf = new Map<OldStep, Set<string>>();
  const targets = (t: number, s: OldStep): Set<string> => {
    let set = targetsOf.get(s);
    if (set) return set;
    const all = labels(t);
    if (all.has(s.label)) set = new Set([s.label]);
    else {
      const text = statementText(s.label);
      set = new Set([...all].filter((l) => statementText(l) === text));
      if (set.size === 0) {
        const at = target.threads[t]!.ids.get(s.id);
        const loc = at === undefined ? undefined : target.threads[t]!.locations[at]!;
        const action = loc && (loc.actions.length === 1 ? loc.actions[0] : loc.actions[s.alt ?? 0]);
        if (action) set.add(action.label);
      }
    }
    targetsOf.set(s, set);
    return set;
  };
  /** How many old steps of thread `t` from `from` on the patched statement `label` counts as. */
  const remaining = (from: number, t: number, label: string) =>
    old.slice(from).filter((s) => s.thread === target.threadNames[t] && targets(t, s).has(label)).length;
  const done = (end: PortEnd): Port => ({ variant: target.variant, steps, path, end, final: state });

  /** Run enabled action `choice`; returns the fired tags when a BUG_ON halted the run. */
  const run = (choice: number): { fired: string[]; halted: boolean } => {
    const outcome = target.apply(state, actions[choice]!, next);
    [state, next] = [next, state];
    path.push(choice);
    return outcome;
  };

  for (let k = 0; k < old.length; k++) {
    const { thread, label } = old[k]!;
    const oldStep = k + 1;
    const t = target.threadNames.indexOf(thread);
    if (t < 0) return done({ kind: 'no-thread', oldStep, thread, wanted: label });
    const wantedLabels = targets(t, old[k]!);
    const is = (l: string) => wantedLabels.has(l);
    const ahead = ranAhead.get(thread) ?? [];
    const a = ahead.findIndex(is);
    if (a >= 0) {
      ahead.splice(a, 1);
      steps.push({ kind: 'done-earlier', oldStep, thread, label });
      continue;
    }
    if (wantedLabels.size === 0) return done({ kind: 'absent', oldStep, thread, wanted: label });
    const seen = new Set<string>();
    for (let extra = 0; ; extra++) {
      const pc = state[t]!;
      if (pc === PC_END) return done({ kind: 'ended', oldStep, thread, wanted: label });
      const loc = target.threads[t]!.locations[pc]!;
      const n = target.enabled(state, actions);
      const mine: number[] = [];
      for (let i = 0; i < n; i++) if (actions[i]!.thread === t) mine.push(i);
      const wanted = loc.actions.find((x) => is(x.label));
      if (wanted) {
        const i = mine.find((j) => is(actions[j]!.label));
        if (i === undefined)
          return done({ kind: 'blocked', oldStep, thread, wanted: label, id: loc.id, label: wanted.label, waitsFor: waitsFor(target, state, wanted), extra: false });
        const a = actions[i]!;
        const o = run(i);
        steps.push({ kind: 'matched', oldStep, choice: i, thread, id: a.id, label: a.label });
        if (o.halted && k + 1 < old.length) return done({ kind: 'halted', oldStep, thread, label: a.label, fired: o.fired });
        break;
      }
      // T is at a statement the old trace does not have it run here: the only way forward?
      if (mine.length === 0) {
        const first = loc.actions[0]!;
        return done({ kind: 'blocked', oldStep, thread, wanted: label, id: loc.id, label: first.label, waitsFor: loc.actions.map((x) => waitsFor(target, state, x)).join(' or '), extra: true });
      }
      if (mine.length > 1) return done({ kind: 'ambiguous', oldStep, thread, wanted: label, options: mine.map((j) => actions[j]!.label) });
      const key = state.join(',');
      if (seen.has(key) || extra >= MAX_EXTRA) return done({ kind: 'loops', oldStep, thread, wanted: label });
      seen.add(key);
      const i = mine[0]!;
      const x = actions[i]!;
      const o = run(i);
      steps.push({ kind: 'extra', oldStep, choice: i, thread, id: x.id, label: x.label });
      const later = ranAhead.get(thread) ?? [];
      if (later.filter((l) => l === x.label).length < remaining(k + 1, t, x.label)) {
        later.push(x.label);
        ranAhead.set(thread, later);
      }
      if (o.halted) return done({ kind: 'halted', oldStep, thread, label: x.label, fired: o.fired });
    }
  }
  return done({ kind: 'completed' });
}

/** A label without its C function: `lock_ab: spin_lock(&A)` -> `spin_lock(&A)`. */
export function statementText(label: string): string {
  const colon = label.indexOf(':');
  return colon > 0 ? label.slice(colon + 1).trim() : label.trim();
}

/** What a step that is not enabled waits for, from its blockedOn (or its guard). */
function waitsFor(model: CompiledModel, state: Int32Array, action: CompiledAction): string {
  const blockedOn = action.def.blockedOn;
  if (!blockedOn) return action.def.guard ? 'its guard to hold' : 'nothing (it is enabled)';
  const env: StepEnv = {
    thread: model.threadNames[action.thread]!,
    self: action.thread,
    threadNames: model.threadNames,
    warnOn: () => undefined,
    bugOn: () => undefined,
  };
  try {
    return blockedOn(model.view(state), env);
  } catch {
    return 'its guard to hold';
  }
}
