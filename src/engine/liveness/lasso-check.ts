// Checking a lasso on its own, without the state graph: what `kmc replay` does with a liveness
// counterexample (a trace file's `loop`, or --loop). The path is run step by step; the state
// after it must be the state after `path[0..loop)` (the loop closes); the loop must be fair by
// the property's fairness (each weakly fair thread or step disabled somewhere on the loop or
// taking a step in it; each strongly fair one enabled nowhere on it or taking a step); and the
// states and steps must break the property (for livelock: a thread that never idles nor makes
// progress on the loop). A loop of no steps means staying in the last state for ever: allowed
// where no fair step is enabled.

import type { CompiledAction, CompiledModel } from '../../model/compile.js';
import { PC_END } from '../../model/compile.js';
import { PROGRESS, SPIN } from '../../property/liveness.js';
import type { LivenessProperty, StateInfo } from '../../property/types.js';
import { stepMatches, threadFairness } from './constraints.js';
import { describeLassoViolation } from './describe.js';

export type LassoCheck = { ok: true; message: string } | { ok: false; problem: string };

export function checkLasso(model: CompiledModel, property: LivenessProperty, path: readonly number[], loop: number, info: (w: Int32Array) => StateInfo<unknown>): LassoCheck {
  if (!Number.isInteger(loop) || loop < 0 || loop > path.length) return { ok: false, problem: `the loop index ${loop} is not within the path's ${path.length} steps` };
  const states: Int32Array[] = [model.init];
  const steps: CompiledAction[] = [];
  const enabled: CompiledAction[][] = [];
  const buf: CompiledAction[] = [];
  for (let i = 0; i <= path.length; i++) {
    const n = model.enabled(states[i]!, buf);
    enabled.push(buf.slice(0, n));
    if (i === path.length) break;
    const c = path[i]!;
    if (c >= n) return { ok: false, problem: `step ${i + 1} chooses action ${c}, but only ${n} are enabled` };
    const next = new Int32Array(model.width);
    if (model.apply(states[i]!, buf[c]!, next).halted) return { ok: false, problem: `step ${i + 1} fires a BUG_ON: a dead kernel runs no loop` };
    steps.push(buf[c]!);
    states.push(next);
  }
  const same = (a: Int32Array, b: Int32Array) => a.every((x, k) => x === b[k]);
  if (!same(states[loop]!, states[path.length]!)) return { ok: false, problem: `it does not loop: the state after step ${path.length} is not the state after step ${loop}` };
  const stutter = loop === path.length;
  const loopStates = stutter ? [loop] : Array.from({ length: path.length - loop }, (_, k) => loop + k);
  const loopSteps = steps.slice(loop);
  // Fairness, per thread and per step (the same spec the checker used).
  const f = property.fairness;
  const fair: { name: string; kind: 'weak' | 'strong'; mine: (a: CompiledAction) => boolean }[] = [];
  model.threadNames.forEach((name, t) => {
    const k = threadFairness(f, name);
    if (k !== 'none') fair.push({ name, kind: k, mine: (a) => a.thread === t });
  });
  for (const { step, fairness } of f?.steps ?? [])
    for (const act of model.allActions) {
      const hit = stepMatches(model, act, step);
      if (hit) fair.push({ name: `step '${act.label}'`, kind: fairness, mine: (a) => a === act });
    }
  for (const c of fair) {
    const en = loopStates.map((i) => enabled[i]!.some(c.mine));
    if (!en.some(Boolean) || loopSteps.some(c.mine) || (c.kind === 'weak' && en.some((x) => !x))) continue;
    return { ok: false, problem: `the loop is not fair: ${c.name} (${c.kind}ly fair) is enabled ${c.kind === 'weak' ? 'all along' : 'on'} it and never runs` };
  }
  const P = (i: number) => property.p!(info(states[i]!));
  const Q = (i: number) => property.q!(info(states[i]!));
  const all = states.map((_, i) => i);
  // Worded as the checker words the lasso it finds, so a replay repeats a trace file's claim.
  const ok = (thread?: number): LassoCheck => ({ ok: true, message: describeLassoViolation(model, property, thread, loop, loopSteps, stutter) });
  switch (property.form) {
    case 'livelock': {
      if (stutter) return { ok: false, problem: 'a livelock is a loop of steps, not a run that stops' };
      const idle = (t: number, i: number) => {
        const pc = states[i]![t]!;
        if (pc === PC_END) return true;
        const loc = model.threads[t]!.locations[pc]!;
        return loc.end && !loc.actions.every((a) => a.tags.includes(SPIN));
      };
      const t = model.threadNames.findIndex((_, t) => loopStates.every((i) => !idle(t, i)) && !loopSteps.some((a) => a.thread === t && a.tags.includes(PROGRESS)));
      if (t < 0) return { ok: false, problem: 'every thread ends, idles or makes progress on the loop' };
      return ok(t);
    }
    case 'eventually':
      return all.every((i) => !P(i)) ? ok() : { ok: false, problem: 'the condition holds somewhere on the lasso' };
    case 'always-eventually':
      return loopStates.every((i) => !P(i)) ? ok() : { ok: false, problem: 'the condition holds on the loop' };
    case 'eventually-always':
      return loopStates.some((i) => !P(i)) ? ok() : { ok: false, problem: 'the condition holds all along the loop' };
    case 'leads-to': {
      const k = all.findIndex((i) => P(i) && all.slice(i).every((j) => !Q(j)));
      return k >= 0 ? ok() : { ok: false, problem: 'no state where the trigger holds is followed only by states where the response does not' };
    }
  }
}

export interface LassoReplay {
  /** Set when the path is no lasso at all (it does not close, a step is not enabled...). */
  problem?: string;
  /** The liveness properties the lasso breaks, with how. */
  violated: { property: LivenessProperty; message: string }[];
  /** The ones it does not break, with why not. */
  kept: { property: LivenessProperty; why: string }[];
}

/** Follow a lasso for every given liveness property (kmc replay). */
export function replayLasso(model: CompiledModel, properties: readonly LivenessProperty[], path: readonly number[], loop: number, info: (w: Int32Array) => StateInfo<unknown>): LassoReplay {
  const out: LassoReplay = { violated: [], kept: [] };
  const structural = /^(the loop index|step \d+ (chooses|fires)|it does not loop)/;
  for (const property of properties) {
    const r = checkLasso(model, property, path, loop, info);
    if (r.ok) out.violated.push({ property, message: r.message });
    else if (structural.test(r.problem)) {
      out.problem = r.problem;
      return out;
    } else out.kept.push({ property, why: r.problem });
  }
  if (properties.length === 0) {
    // No liveness property to judge it by: still say whether it loops.
    const r = checkLasso(model, { kind: 'liveness', form: 'eventually', name: '', doc: '', p: () => false }, path, loop, info);
    if (!r.ok && structural.test(r.problem)) out.problem = r.problem;
  }
  return out;
}
