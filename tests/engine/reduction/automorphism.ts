// Checks a model's symmetry declaration against the model itself, on every reachable state of
// a small configuration: every permutation of the declared group maps each state's successors
// onto the successors of its image (same halting, same assertions fired, same step-property
// verdicts), leaves every invariant's value unchanged, and the canonical form of a state and of
// its image are the same. This is what symmetry reduction relies on (src/engine/reduction/symmetry.ts).

import { compileModel, type CompiledAction, type CompiledModel } from '../../../src/model/compile.js';
import type { ModelDef } from '../../../src/model/types.js';
import type { Property } from '../../../src/property/types.js';
import { makeEvaluator } from '../../../src/engine/evaluate.js';
import { Canonicalizer } from '../../../src/engine/reduction/symmetry.js';

export interface AutomorphismReport {
  states: number;
  elements: number;
  /** The first mismatch found, or undefined. */
  problem?: string;
}

export function checkAutomorphism(
  def: ModelDef,
  properties: readonly Property[],
  o: { variant?: string; params?: Record<string, number | boolean>; maxStates?: number; elements?: number } = {},
): AutomorphismReport {
  const model: CompiledModel = compileModel(def, { variant: o.variant, params: o.params ?? {} });
  const canon = new Canonicalizer(model, model.symmetry);
  const ev = makeEvaluator(model, properties, properties);
  const invariants = properties.filter((p) => p.kind === 'invariant');
  const key = (s: Int32Array) => s.join(',');
  const acts: CompiledAction[] = [];
  const succs = (s: Int32Array) => {
    const n = model.enabled(s, acts);
    const out = new Map<string, string[]>();
    const list = acts.slice(0, n);
    for (const a of list) {
      const stepViolations = ev.steps(s, a).map((p) => p.name).sort();
      const next = new Int32Array(model.width);
      const r = model.apply(s, a, next);
      const sig = `${r.halted}|${[...r.fired].sort().join(';')}|${stepViolations.join(';')}`;
      const k = key(next);
      out.set(k, [...(out.get(k) ?? []), sig].sort());
    }
    return out;
  };
  const order = canon.order;
  const elements = Math.min(order, o.elements ?? order);
  const seen = new Map<string, Int32Array>([[key(model.init), model.init]]);
  const queue = [model.init];
  const max = o.maxStates ?? 20000;
  for (let i = 0; i < queue.length && i < max; i++) {
    const s = queue[i]!;
    const mine = succs(s);
    const cs = s.slice();
    canon.canonicalize(cs);
    for (let e = 0; e < elements; e++) {
      const k = elements === order ? e : Math.floor((e * 7919 + i) % order);
      const img = canon.image(s, k);
      const where = () => `state ${model.locationIds(s).join(' ')} ${JSON.stringify(model.vars(s))} under element ${k}`;
      const ci = img.slice();
      canon.canonicalize(ci);
      if (key(ci) !== key(cs)) return { states: i, elements, problem: `canonical forms differ: ${where()}` };
      for (const p of invariants) {
        const a = ev.invariants(s).includes(p);
        const b = ev.invariants(img).includes(p);
        if (a !== b) return { states: i, elements, problem: `invariant ${p.name} differs: ${where()}` };
      }
      const theirs = succs(img);
      const mapped = new Map<string, string[]>();
      for (const [k2, sigs] of mine) {
        const from = Int32Array.from(k2.split(',').map(Number));
        const kk = key(canon.image(from, k));
        mapped.set(kk, [...(mapped.get(kk) ?? []), ...sigs].sort());
      }
      const a = [...mapped.entries()].map(([x, y]) => `${x}=${y.join('/')}`).sort();
      const b = [...theirs.entries()].map(([x, y]) => `${x}=${y.join('/')}`).sort();
      if (a.join('\n') !== b.join('\n')) return { states: i, elements, problem: `successors differ: ${where()}` };
    }
    for (const k2 of mine.keys())
      if (!seen.has(k2)) {
        const st = Int32Array.from(k2.split(',').map(Number));
        seen.set(k2, st);
        queue.push(st);
      }
  }
  return { states: Math.min(queue.length, max), elements };
}
