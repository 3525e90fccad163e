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
//      becomes `lock_ab: spin_lock(&B)`); (c) those whose statement text without the model's
//      trailing note in brackets is L's (`spin_lock(&kvm_lock) [on cpu0, KVM_CREATE_VM]` is
//      `spin_lock(&kvm_lock) [on cpu1]`: the note says where or how the step runs, not what C
//      code it is); (d) the statement at the same location id as the old step (the same action
//      of a choice), since model authors keep a program point's id across variants while the
//      patch rewrites its statement (`on_each_cpu(hardware_enable, …)` becomes
//      `on_each_cpu(hardware_enable_nolock, …)`). If none: stop ("absent": the patch removed the
//      statement, so this interleaving cannot happen there).
//   4. If T's current location offers L: if an action that is L is enabled, run it (step k is
//      "matched"); if none is, stop ("blocked", with what the step waits for: its blockedOn).
//   5. Otherwise T is at a statement X the old trace does not have it run here (a step the
//      patch added, like a spin_lock, or a reordered one): T runs one of its enabled actions
//      (an "extra" step), then go back to 4. If no action of T is enabled, stop ("blocked" at X);
//      if T has finished, stop ("ended": T cannot reach L any more). If X is a statement that T
//      runs later in the old trace, X is remembered as run ahead of time (used by 2).
//   6. A step that hits a BUG_ON stops the run there ("halted").
//   7. Choices. When T has several ways forward in 4 (several enabled actions are L) or in 5
//      (several actions enabled), each is tried, the rule continuing after it to the end (with
//      its own later choices settled the same way), and kmc keeps the one whose run places the
//      most old steps; among equals, one that stops definitely (blocked, absent, ended, halted)
//      over one that stops inconclusively; then the one whose label is closest to the old trace
//      (the share of words it has in common with L, then with the closest label of T's old
//      steps: the same "[on cpu0]" as the old step); then the lowest choice index. The choice is
//      recorded with every alternative and how far it got. Only T's own steps are tried, never
//      another thread's. A state (with the old step and the steps run ahead) seen again on the
//      way stops that alternative, inconclusive ("loops"). The whole port runs at most
//      MAX_PORT_STEPS steps of the patched model, counting every alternative it tries; past that
//      it stops inconclusive ("bound") at the first choice.
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
  /** Location id on the old variant (rule 3d). */
  id: string;
  /** Index of the action within its location on the old variant (rule 3d, for choices); default 0. */
  alt?: number;
}

/** Why the port took this step of several (rule 7): every alternative, and what decided. */
export interface PortChoice {
  /**
   * The enabled ways forward, in the order of their choice indices, with the old steps the best
   * run through each places and how it ends; without them for one not tried (one preferred
   * before it already placed every old step).
   */
  alternatives: { label: string; choice: number; placed?: number; end?: PortEnd['kind'] }[];
  /** Index of the one taken in `alternatives`. */
  taken: number;
  /**
   * What set it apart: it places more old steps than the others (or than those closer to the
   * old trace); as many, but it stops definitely; its label is the closest to the old trace;
   * it has the lowest index among equally close ones.
   */
  by: 'placed' | 'definite' | 'closest' | 'first';
}

export type PortedStep =
  /** Old step `oldStep` (1-based) ran as `choice` of the patched model. */
  | { kind: 'matched'; oldStep: number; choice: number; thread: string; id: string; label: string; chose?: PortChoice }
  /** A step of the patched code that `thread` had to run before old step `oldStep`. */
  | { kind: 'extra'; oldStep: number; choice: number; thread: string; id: string; label: string; chose?: PortChoice }
  /** Old step `oldStep` had already run as an extra step (the patch moved it earlier). */
  | { kind: 'done-earlier'; oldStep: number; thread: string; label: string };

export type PortEnd =
  | { kind: 'completed' }
  | { kind: 'blocked'; oldStep: number; thread: string; wanted: string; id: string; label: string; waitsFor: string; extra: boolean }
  | { kind: 'absent'; oldStep: number; thread: string; wanted: string }
  | { kind: 'ended'; oldStep: number; thread: string; wanted: string }
  | { kind: 'halted'; oldStep: number; thread: string; label: string; fired: string[] }
  | { kind: 'no-thread'; oldStep: number; thread: string; wanted: string }
  | { kind: 'loops'; oldStep: number; thread: string; wanted: string }
  /** Trying the alternatives of a choice ran over `budget` steps of the patched model. */
  | { kind: 'bound'; oldStep: number; thread: string; wanted: string; options: string[]; budget: number };

/** Ends that settle nothing about the patch: the rule could not place the old trace. */
export function inconclusive(end: PortEnd): boolean {
  return end.kind === 'no-thread' || end.kind === 'loops' || end.kind === 'bound';
}

export interface Port {
  variant: string;
  /** How many steps the old trace has. */
  oldSteps: number;
  /** Every step of the run on the patched model, with the old step it belongs to. */
  steps: PortedStep[];
  /** The choice indices of the run (matched and extra steps): a replay path on the patched model. */
  path: number[];
  end: PortEnd;
  /** The patched model's state where the run ended. */
  final: Int32Array;
}

/** Steps of the patched model one port may run, every alternative it tries included. */
export const MAX_PORT_STEPS = 5_000;

export interface PortOptions {
  /** Bound on the steps of the patched model the port runs (default MAX_PORT_STEPS). */
  maxSteps?: number;
}

/** The run from one point of the search to its end. */
interface Run {
  steps: PortedStep[];
  path: number[];
  end: PortEnd;
  final: Int32Array;
  /** Old steps placed when it ends (matched or done earlier). */
  placed: number;
}

/** Labels thread T ran ahead of their old step (rule 2), by thread; copied on write. */
type Ahead = ReadonlyMap<string, readonly string[]>;

class BoundHit extends Error {}

export function portTrace(old: readonly OldStep[], target: CompiledModel, options: PortOptions = {}): Port {
  const budget = options.maxSteps ?? MAX_PORT_STEPS;
  let used = 0;
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
    const all = [...labels(t)];
    const text = statementText(s.label);
    const bare = withoutNote(text);
    set = new Set(all.includes(s.label) ? [s.label] : all.filter((l) => statementText(l) === text));
    if (set.size === 0) set = new Set(all.filter((l) => withoutNote(statementText(l)) === bare));
    if (set.size === 0) {
      const at = target.threads[t]!.ids.get(s.id);
      const loc = at === undefined ? undefined : target.threads[t]!.locations[at]!;
      const action = loc && (loc.actions.length === 1 ? loc.actions[0] : loc.actions[s.alt ?? 0]);
      if (action) set.add(action.label);
    }
    targetsOf.set(s, set);
    return set;
  };
  /** How many old steps of thread `t` from `from` on the patched statement `label` counts as. */
  const remaining = (from: number, t: number, label: string) =>
    old.slice(from).filter((s) => s.thread === target.threadNames[t] && targets(t, s).has(label)).length;

  // Rule 7's closeness: the share of words two labels have in common.
  const wordsOf = new Map<string, Set<string>>();
  const words = (l: string) => {
    let w = wordsOf.get(l);
    if (!w) wordsOf.set(l, (w = new Set(l.match(/[A-Za-z0-9_]+/g) ?? [])));
    return w;
  };
  const similarity = (a: string, b: string) => {
    const wa = words(a);
    const wb = words(b);
    let common = 0;
    for (const w of wa) if (wb.has(w)) common++;
    const union = wa.size + wb.size - common;
    return union === 0 ? 1 : common / union;
  };
  const oldLabelsOf = new Map<string, string[]>();
  const oldLabels = (thread: string) => {
    let l = oldLabelsOf.get(thread);
    if (!l) oldLabelsOf.set(thread, (l = [...new Set(old.filter((s) => s.thread === thread).map((s) => s.label))]));
    return l;
  };
  /** [closeness to the old step being placed, to the closest label of the thread's old steps]. */
  const closeness = (label: string, s: OldStep): [number, number] => [
    similarity(label, s.label),
    Math.max(...oldLabels(s.thread).map((l) => similarity(label, l))),
  ];

  const aheadKey = (ahead: Ahead) => [...ahead].filter(([, l]) => l.length > 0).map(([t, l]) => `${t}:${l.join('\u0001')}`).sort().join('\u0002');
  const memo = new Map<string, Run>();

  /**
   * The rest of the port from old step `k` (0-based) in `state` with `ahead`: runs the steps that
   * are the only way forward in a loop, and at a choice tries every alternative (rule 7).
   * `onPath` holds the points of the current run (rule 7's "seen again"). Only the outermost
   * call (`root`) turns running over the bound into an end; inner calls pass it up.
   */
  const rest = (k: number, state: Int32Array, ahead: Ahead, onPath: Set<string>, root: boolean): Run => {
    const steps: PortedStep[] = [];
    const path: number[] = [];
    const added: string[] = [];
    const buf: CompiledAction[] = [];
    const done = (end: PortEnd, placed = k): Run => ({ steps, path, end, final: state, placed });
    let options: string[] = [];
    try {
      for (;;) {
        if (k === old.length) return done({ kind: 'completed' });
        const s = old[k]!;
        const { thread, label } = s;
        const oldStep = k + 1;
        const t = target.threadNames.indexOf(thread);
        if (t < 0) return done({ kind: 'no-thread', oldStep, thread, wanted: label });
        const wantedLabels = targets(t, s);
        const is = (l: string) => wantedLabels.has(l);
        const early = ahead.get(thread) ?? [];
        const a = early.findIndex(is);
        if (a >= 0) {
          ahead = new Map([...ahead, [thread, early.filter((_, i) => i !== a)]]);
          steps.push({ kind: 'done-earlier', oldStep, thread, label });
          k++;
          continue;
        }
        if (wantedLabels.size === 0) return done({ kind: 'absent', oldStep, thread, wanted: label });
        const pc = state[t]!;
        if (pc === PC_END) return done({ kind: 'ended', oldStep, thread, wanted: label });
        const loc = target.threads[t]!.locations[pc]!;
        const n = target.enabled(state, buf);
        const mine: number[] = [];
        for (let i = 0; i < n; i++) if (buf[i]!.thread === t) mine.push(i);
        const offered = loc.actions.filter((x) => is(x.label));
        const matched = offered.length > 0;
        let alts: number[];
        if (matched) {
          alts = mine.filter((j) => is(buf[j]!.label));
          if (alts.length === 0) {
            const waits = [...new Set(offered.map((x) => waitsFor(target, state, x)))].join(' or ');
            return done({ kind: 'blocked', oldStep, thread, wanted: label, id: loc.id, label: offered[0]!.label, waitsFor: waits, extra: false });
          }
        } else {
          if (mine.length === 0) {
            const waits = [...new Set(loc.actions.map((x) => waitsFor(target, state, x)))].join(' or ');
            return done({ kind: 'blocked', oldStep, thread, wanted: label, id: loc.id, label: loc.actions[0]!.label, waitsFor: waits, extra: true });
          }
          alts = mine;
        }
        const key = `${k}|${state.join(',')}|${aheadKey(ahead)}`;
        if (onPath.has(key)) return done({ kind: 'loops', oldStep, thread, wanted: label });
        const kind = matched ? 'matched' : 'extra';

        /** Run action `i` of `buf` from here: the step, and what follows it. */
        const take = (i: number): { step: PortedStep; next: Int32Array; k: number; ahead: Ahead; halted?: PortEnd } => {
          if (++used > budget) throw new BoundHit();
          const x = buf[i]!;
          const next = new Int32Array(target.width);
          const o = target.apply(state, x, next);
          const step: PortedStep = { kind, oldStep, choice: i, thread, id: x.id, label: x.label };
          if (matched) {
            const halted = o.halted && k + 1 < old.length ? { kind: 'halted' as const, oldStep, thread, label: x.label, fired: [...o.fired] } : undefined;
            return { step, next, k: k + 1, ahead, ...(halted && { halted }) };
          }
          let nextAhead = ahead;
          const later = ahead.get(thread) ?? [];
          if (later.filter((l) => l === x.label).length < remaining(k + 1, t, x.label)) nextAhead = new Map([...ahead, [thread, [...later, x.label]]]);
          const halted = o.halted ? { kind: 'halted' as const, oldStep, thread, label: x.label, fired: [...o.fired] } : undefined;
          return { step, next, k, ahead: nextAhead, ...(halted && { halted }) };
        };

        options = alts.map((i) => buf[i]!.label);
        if (alts.length === 1) {
          onPath.add(key);
          added.push(key);
          const r = take(alts[0]!);
          steps.push(r.step);
          path.push(alts[0]!);
          state = r.next;
          if (r.halted) return done(r.halted, r.k);
          k = r.k;
          ahead = r.ahead;
          continue;
        }

        // A choice (rule 7): try the alternatives closest to the old trace first, so that the
        // first run that places every old step is the one the ranking keeps.
        let chosen = memo.get(key);
        if (!chosen) {
          onPath.add(key);
          added.push(key);
          const near = new Map(alts.map((i) => [i, closeness(buf[i]!.label, s)] as const));
          const order = [...alts].sort((x, y) => {
            const [cx, cy] = [near.get(x)!, near.get(y)!];
            return cy[0] - cx[0] || cy[1] - cx[1] || x - y;
          });
          const tried = new Map<number, Run>();
          for (const i of order) {
            const r = take(i);
            const sub: Run = r.halted
              ? { steps: [], path: [], end: r.halted, final: r.next, placed: r.k }
              : rest(r.k, r.next, r.ahead, onPath, false);
            tried.set(i, { ...sub, steps: [r.step, ...sub.steps], path: [i, ...sub.path] });
            if (sub.end.kind === 'completed') break;
          }
          // The alternatives are in preference order: keep the first of the best by placed, then definite.
          const rank = (r: Run) => r.placed * 2 + (inconclusive(r.end) ? 0 : 1);
          let best = order[0]!;
          for (const i of order) if (tried.has(i) && rank(tried.get(i)!) > rank(tried.get(best)!)) best = i;
          const win = tried.get(best)!;
          const before = order.slice(0, order.indexOf(best));
          const others = alts.filter((i) => i !== best);
          const asClose = (i: number) => near.get(i)!.join() === near.get(best)!.join();
          const by: PortChoice['by'] =
            before.length > 0
              ? before.every((i) => tried.get(i)!.placed < win.placed)
                ? 'placed'
                : 'definite'
              : others.every((i) => tried.has(i) && tried.get(i)!.placed < win.placed)
                ? 'placed'
                : others.some(asClose)
                  ? 'first'
                  : 'closest';
          const chose: PortChoice = {
            alternatives: alts.map((i) => {
              const r = tried.get(i);
              return r ? { label: buf[i]!.label, choice: i, placed: r.placed, end: r.end.kind } : { label: buf[i]!.label, choice: i };
            }),
            taken: alts.indexOf(best),
            by,
          };
          const first = { ...win.steps[0]!, chose } as PortedStep;
          chosen = { ...win, steps: [first, ...win.steps.slice(1)] };
          memo.set(key, chosen);
        }
        return { steps: [...steps, ...chosen.steps], path: [...path, ...chosen.path], end: chosen.end, final: chosen.final, placed: chosen.placed };
      }
    } catch (e) {
      if (!(e instanceof BoundHit) || !root) throw e;
      const { thread, label } = old[k]!;
      return done({ kind: 'bound', oldStep: k + 1, thread, wanted: label, options, budget });
    } finally {
      for (const key of added) onPath.delete(key);
    }
  };

  const r = rest(0, target.init.slice(), new Map(), new Set(), true);
  return { variant: target.variant, oldSteps: old.length, steps: r.steps, path: r.path, end: r.end, final: r.final };
}

/** A label without its C function: `lock_ab: spin_lock(&A)` -> `spin_lock(&A)`. */
export function statementText(label: string): string {
  const colon = label.indexOf(':');
  return colon > 0 ? label.slice(colon + 1).trim() : label.trim();
}

/**
 * A statement without the model's trailing notes: `spin_lock(&L) [on cpu0]` -> `spin_lock(&L)`, and
 * `spin_lock(&L) [on cpu0] [KVM_CREATE_VM]` (onSomeCpu's CPU, then the step's note) too (`a[i] = 1`
 * keeps its index).
 */
export function withoutNote(text: string): string {
  return text.replace(/(\s+\[[^\]]*\])+$/, '').trim();
}

/** What a step that is not enabled waits for, from its blockedOn (or its guard). */
function waitsFor(model: CompiledModel, state: Int32Array, action: CompiledAction): string {
  const blockedOn = action.def.blockedOn;
  if (!blockedOn) return action.def.guard ? 'its guard to hold' : 'nothing (it is enabled)';
  const view = model.view(state);
  const env: StepEnv = {
    thread: model.threadNames[action.thread]!,
    self: action.thread,
    threadNames: model.threadNames,
    local: model.localsOf(view, action.thread),
    warnOn: () => undefined,
    bugOn: () => undefined,
  };
  try {
    return blockedOn(view, env);
  } catch {
    return 'its guard to hold';
  }
}
