// The fast path keeps one scratch tree per model and, after each step, puts it back to the state
// the step started from (codec.encodeRevert) instead of decoding that state again; properties
// read a second tree (`view`). Those shortcuts are only sound if no order of calls can leave a
// tree holding something else. This drives the compiled model (fast path) and the reference
// model (immer `produce`, a fresh plain copy per step: no state carried between calls) through
// the same random models with the calls interleaved in random orders (every enabled action of a
// state applied in a shuffled order, some twice, views of successors read in between, a step
// applied in place), and requires the same successor set from every state.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileModel, type CompiledAction, type CompiledModel, type StepOutcome } from '../../src/model/compile.js';
import { bundled } from '../../models/index.js';
import { buildRandomModel, modelSpec } from '../oracle/random-model.js';
import type { ModelDef } from '../../src/model/index.js';
import { mulberry32 } from '../../src/util/prng.js';

interface Successor {
  action: string;
  words: number[];
  fired: string[];
  halted: boolean;
}

type Result = { ok: Successor } | { error: string };

function run(m: CompiledModel, src: Int32Array, a: CompiledAction, inPlace: boolean): Result {
  const dst = inPlace ? src.slice() : new Int32Array(m.width);
  const from = inPlace ? dst : src;
  let o: StepOutcome;
  try {
    o = m.apply(from, a, dst);
  } catch (e) {
    return { error: String(e) };
  }
  return { ok: { action: `${a.thread}:${a.location}:${a.alt}`, words: Array.from(dst), fired: [...o.fired], halted: o.halted } };
}

/**
 * BFS over `def` (up to `limit` states): from each state, the fast model's and the reference
 * model's successors, the fast model's taken in the order `order` draws (with repeats, in-place
 * steps and property views in between), must be equal. Returns the transitions compared.
 */
function compareSuccessors(def: ModelDef, o: { variant?: string; params?: Record<string, number | boolean> }, limit: number, rng: () => number): number {
  const fast = compileModel(def, o);
  const ref = compileModel(def, { ...o, reference: true });
  const seen = new Set<string>([fast.init.join(',')]);
  const queue: Int32Array[] = [fast.init.slice()];
  const actions: CompiledAction[] = [];
  const refActions: CompiledAction[] = [];
  let transitions = 0;
  while (queue.length > 0 && seen.size < limit) {
    const state = queue.shift()!;
    const n = fast.enabled(state, actions);
    const rn = ref.enabled(state, refActions);
    const enabled = actions.slice(0, n);
    expect(enabled.map((a) => a.ordinal)).toEqual(refActions.slice(0, rn).map((a) => a.ordinal));
    const expected = enabled.map((a) => run(ref, state, a, false));
    // The fast model, in a shuffled order, some actions twice, some in place, views between.
    const order = enabled.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    if (order.length > 0 && rng() < 0.5) order.push(order[Math.floor(rng() * order.length)]!);
    const got: Result[] = new Array(n);
    for (const i of order) {
      const r = run(fast, state, enabled[i]!, rng() < 0.1);
      if (got[i] !== undefined) expect(r, 'the same step again from the same state').toEqual(got[i]);
      got[i] = r;
      if ('ok' in r && rng() < 0.5) {
        // A property reads the successor (as the search does for a new state).
        const words = Int32Array.from(r.ok.words);
        expect(fast.view(words)).toEqual(fast.vars(words));
        fast.unchanged(words, 'a test');
      }
      if (rng() < 0.2) expect(fast.view(state)).toEqual(fast.vars(state));
    }
    expect(got).toEqual(expected);
    transitions += n;
    for (const r of got)
      if ('ok' in r && !r.ok.halted) {
        const key = r.ok.words.join(',');
        if (!seen.has(key)) {
          seen.add(key);
          queue.push(Int32Array.from(r.ok.words));
        }
      }
  }
  return transitions;
}

describe('fast path vs reference path: the same successors whatever the order of calls', () => {
  it('random models', () => {
    let transitions = 0;
    fc.assert(
      fc.property(modelSpec, fc.integer(), (spec, seed) => {
        transitions += compareSuccessors(buildRandomModel(spec).model, {}, 300, mulberry32(seed));
      }),
      { numRuns: 120, seed: 15 },
    );
    expect(transitions).toBeGreaterThan(1000);
  });

  it.each(bundled.map((e) => [e.model.name, e] as const))('%s (default variant, first 400 states)', (_name, entry) => {
    expect(compareSuccessors(entry.model, {}, 400, mulberry32(3))).toBeGreaterThan(100);
  });
});
