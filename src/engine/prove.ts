// The patch proof in one call: on the same parameters,
//   1. the buggy variant has a counterexample (the shortest one of the chosen property),
//   2. the fixed variant holds exhaustively (every selected property, complete search),
//   3. the buggy interleaving, run on the fixed variant by the cross-variant matching rule
//      (src/trace/cross-variant.ts), no longer breaks the property: it is blocked, cannot
//      happen (a step the patch removed, or a thread that can no longer get there), or runs to
//      its end with the property holding. An inconclusive match fails this part.
// Proved only when all three hold; the result keeps everything a report needs to say which
// part failed and why.

import { compileModel, type CompiledModel } from '../model/compile.js';
import type { ModelDef } from '../model/types.js';
import type { Property, PropertySet } from '../property/types.js';
import { inconclusive } from '../trace/cross-variant.js';
import { withBuiltinLiveness } from '../property/liveness.js';
import { UsageError } from '../util/errors.js';
import { check, propertiesOf, type CheckOptions } from './check.js';
import { selectProperties } from './evaluate.js';
import { followLasso, replayOnVariant, replayPath, type ReplayRun, type ReplayViolation, type VariantReplay } from './replay.js';
import type { CheckResult, Violation } from './result.js';
import { hasOwnKey } from '../util/own.js';

export interface ProveOptions extends Omit<CheckOptions, 'variant' | 'first'> {
  from: string;
  to: string;
}

export interface ProveResult {
  model: string;
  /**
   * How a command names the model: its file's path for a model file (set by the CLI), else the
   * model's name. The replay commands a proof prints use it, so that they work as printed.
   */
  modelRef?: string;
  from: string;
  to: string;
  params: Record<string, number | boolean>;
  buggy: CheckResult;
  fixed: CheckResult;
  /** The buggy variant's counterexample (part 1), replayed. */
  counterexample?: { violation: Violation; run: ReplayRun; model: CompiledModel };
  /** The counterexample run on the fixed variant (part 3). */
  onFixed?: VariantReplay & { model: CompiledModel; reproduced: ReplayViolation | undefined };
  /**
   * Every counterexample of the pre-patch check, replayed there and run on the post-patch
   * variant (the proof's own, the shortest, first as above; the others the same way), so that a
   * report shows what the patch does to each without running the model itself.
   */
  counterexamples: ReplayedCounterexample[];
  parts: { counterexample: boolean; verified: boolean; blocked: boolean };
  proved: boolean;
}

export interface ReplayedCounterexample {
  violation: Violation;
  /** Its path replayed on the pre-patch variant. */
  run: ReplayRun;
  /** The interleaving run on the post-patch variant. */
  onFixed: VariantReplay;
}

export function prove(def: ModelDef, properties: PropertySet | readonly Property[], o: ProveOptions): ProveResult {
  if (!hasOwnKey(def.variants, o.from)) throw new UsageError(`model ${def.name} has no variant '${o.from}'; its variants are: ${Object.keys(def.variants).join(', ')}`);
  if (!hasOwnKey(def.variants, o.to)) throw new UsageError(`model ${def.name} has no variant '${o.to}'; its variants are: ${Object.keys(def.variants).join(', ')}`);
  if (o.from === o.to) throw new UsageError(`kmc prove: --from and --to name the same variant '${o.from}'`);
  const all = propertiesOf(properties);
  const selected = selectProperties(withBuiltinLiveness(properties), o.property, def.name);
  const { from, to, ...common } = o;
  const buggy = check(def, properties, { ...common, variant: from });
  const fixed = check(def, properties, { ...common, variant: to });
  const r: ProveResult = {
    model: def.name,
    from,
    to,
    params: buggy.run.params,
    buggy,
    fixed,
    counterexamples: [],
    parts: { counterexample: false, verified: fixed.status === 'verified', blocked: false },
    proved: false,
  };
  if (buggy.status === 'violated') {
    const violation = buggy.violations[0]!; // the shortest
    const bm = compileModel(def, { variant: from, params: o.params ?? {} });
    const fm = compileModel(def, { variant: to, params: o.params ?? {} });
    const onBoth = (v: Violation) => {
      const run = replayPath(bm, all, selected, v.path);
      // A liveness counterexample is a lasso: replaying it checks that it loops and breaks the property.
      if (v.loop !== undefined) followLasso(run, all, selected, v.loop);
      const vr = replayOnVariant(run, fm, all, selected);
      // The lasso on the fixed variant: its loop starts where the old loop's first step was placed.
      // A ported run that no longer loops there does not break the liveness property that way.
      if (v.loop !== undefined && vr.port.end.kind === 'completed') {
        const loop = v.loop;
        followLasso(vr.run, all, selected, vr.port.steps.filter((s) => s.kind !== 'done-earlier' && s.oldStep <= loop).length);
      }
      return { run, vr };
    };
    const { run, vr } = onBoth(violation);
    r.counterexample = { violation, run, model: bm };
    r.parts.counterexample = run.violations.some((v) => v.property.name === violation.property);
    const reproduced = vr.run.violations.find((v) => v.property.name === violation.property);
    r.onFixed = { ...vr, model: fm, reproduced };
    r.parts.blocked = !inconclusive(vr.port.end) && reproduced === undefined && !vr.run.error;
    r.counterexamples = buggy.violations.map((v) => {
      if (v === violation) return { violation, run, onFixed: vr };
      const again = onBoth(v);
      return { violation: v, run: again.run, onFixed: again.vr };
    });
  }
  r.proved = r.parts.counterexample && r.parts.verified && r.parts.blocked;
  return r;
}
