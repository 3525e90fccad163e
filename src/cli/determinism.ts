// Steps must be deterministic: a step is a function of the state (no Math.random(), Date.now(),
// counters outside the state). kmc stores each state once and explores its successors once; a
// step that gives different successors on different runs makes "every interleaving" a sample,
// and replay of a counterexample could fail. Before a search, a sample of the reachable states
// (breadth first from the initial state) has each enabled step run several times, and its guards
// evaluated twice; any difference is a broken model (exit 2), named by thread and statement.

import type { CompiledAction, CompiledModel } from '../model/compile.js';
import { ModelError } from '../util/errors.js';
import { thousands } from '../util/format.js';

export interface DeterminismProbe {
  /** States sampled (default 400). */
  states?: number;
}

/** How many times each sampled step is run again and compared with its first run. */
const RERUNS = 4;

function same(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function key(s: Int32Array): string {
  return s.join(',');
}

/** Throws a ModelError naming the first step found that is not a function of its state. */
export function checkDeterminism(model: CompiledModel, o: DeterminismProbe = {}): void {
  const budget = o.states ?? 400;
  const seen = new Set<string>([key(model.init)]);
  const queue: Int32Array[] = [model.init.slice()];
  const acts: CompiledAction[] = [];
  const again: CompiledAction[] = [];
  const a = new Int32Array(model.width);
  const b = new Int32Array(model.width);
  const where = `model ${model.name} variant ${model.variant}`;
  const advice = 'kmc needs every step and guard to be a function of the state alone (no Math.random(), Date.now() or state kept outside the model); see "Trust and safety" in the README';
  let sampled = 0;
  while (queue.length > 0 && sampled < budget) {
    const state = queue.shift()!;
    sampled++;
    let n: number;
    try {
      n = model.enabled(state, acts);
      const m = model.enabled(state, again);
      if (m !== n || acts.slice(0, n).some((x, i) => x !== again[i]))
        throw new ModelError(`${where}: the enabled steps differ between two evaluations of the same state's guards; ${advice}`);
    } catch (e) {
      if (e instanceof ModelError && e.message.startsWith(where)) throw e;
      return; // a model that throws is reported by the search itself, with its state
    }
    for (let i = 0; i < n; i++) {
      const act = acts[i]!;
      let fa: string;
      let differs = false;
      try {
        fa = model.apply(state, act, a).fired.join(',');
        // Run again RERUNS times: a step that flips a coin agrees with its first run by chance only
        // 2^-RERUNS of the time, so a short model is not let through by luck.
        for (let r = 0; r < RERUNS && !differs; r++) differs = model.apply(state, act, b).fired.join(',') !== fa || !same(a, b);
      } catch {
        return;
      }
      if (differs)
        throw new ModelError(
          `${where}: thread ${model.threadNames[act.thread]}, step '${act.label}' gave two different successors for the same state (found after sampling ${thousands(sampled)} states); ${advice}`,
        );
      const k = key(a);
      if (!seen.has(k)) {
        seen.add(k);
        queue.push(a.slice());
      }
    }
  }
}
