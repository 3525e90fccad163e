// What the coordinator writes about a run (its meta hash) and what every process builds from it:
// the model compiled for the run's variant and parameters, the selected properties, the
// reducer (symmetry, preemption bound) and the bound K on enabled actions that edge keys use,
// and the run's identity (the checkpoint's, src/engine/run-identity.ts, with the search's shape).
// Shared by the coordinator and the workers.

import { makeEvaluator, selectProperties, type Evaluator } from '../engine/evaluate.js';
import { Reductions } from '../engine/reduction/reductions.js';
import type { CompiledAction, CompiledModel } from '../model/compile.js';
import type { TransitionSystem } from '../model/system.js';
import { compileModel } from '../model/compile.js';
import type { ModelDef } from '../model/types.js';
import type { Property } from '../property/types.js';
import { withBuiltinLiveness } from '../property/liveness.js';
import { maxBranching } from '../parallel/level-search.js';
import { runIdentity, type RunIdentity } from '../engine/run-identity.js';

/** Where a worker finds the model: a bundled model by name, or a file (a path on the coordinator's machine). */
export type RunSource = { kind: 'bundled'; name: string } | { kind: 'file'; path: string };

export interface RunMeta {
  identity: RunIdentity;
  source: RunSource;
  variant: string | undefined;
  params: Record<string, string | number | boolean>;
  property: string[] | undefined;
  shards: number;
  /** Milliseconds a chunk may stay with a worker before another claims it (XAUTOCLAIM's min idle time). */
  claimAfterMs: number;
  /** Parent keys per segment of a level's parent links (keys.ts; absent: RANKS_PER_SEGMENT). */
  rankSegment?: number;
}

export function metaFields(m: RunMeta): Record<string, string> {
  return { meta: JSON.stringify(m) };
}

export function parseMeta(h: Record<string, string>): RunMeta | undefined {
  if (!h.meta) return undefined;
  return JSON.parse(h.meta) as RunMeta;
}

export interface RunSetup {
  /** The model as compiled for the run (without the reducer's extra words). */
  base: CompiledModel;
  /** The transition system the search runs on (the reducer's, when one is active). */
  model: TransitionSystem<CompiledAction>;
  all: readonly Property[];
  selected: readonly Property[];
  evaluator: Evaluator;
  reducer: Reductions | undefined;
  initial: Int32Array;
  K: number;
}

export interface SetupOptions {
  variant?: string | undefined;
  params: Record<string, string | number | boolean>;
  property?: readonly string[] | undefined;
  symmetry: boolean;
  preemptionBound: number | undefined;
}

export function setupRun(def: ModelDef, properties: readonly Property[], o: SetupOptions): RunSetup {
  const base = compileModel(def, { variant: o.variant, params: o.params });
  const all = withBuiltinLiveness(properties);
  const selected = selectProperties(all, o.property, base.name);
  const red = o.symmetry || o.preemptionBound !== undefined ? new Reductions(base, all, selected, { symmetry: o.symmetry, preemptionBound: o.preemptionBound }) : undefined;
  const reducer = red?.active ? red : undefined;
  const model = reducer?.model ?? base;
  const evaluator = makeEvaluator(model, all, selected);
  return { base, model, all, selected, evaluator, reducer, initial: reducer?.initial() ?? model.init, K: maxBranching(base) };
}

/** What a run's processes must share, beyond the model: the limits that shape the states searched. */
export interface RunShape {
  preemptionBound: number | null;
  maxDepth: number | null;
  first: boolean;
}

/**
 * The run's identity as this process builds it: the coordinator when it creates (or resumes) a
 * run, a worker before it joins (it must come out the same, or the worker is refused). The source
 * file is the model file, or for a bundled model the registry (src/cli/checkpoint.ts's
 * modelSourceFile): its closure of relative imports is hashed.
 */
export function identityOf(setup: RunSetup, sourceFile: string, kmcVersion: string, shape: RunShape): RunIdentity {
  return runIdentity({
    model: setup.base,
    sourceFile,
    properties: setup.selected.map((p) => p.name),
    kmcVersion,
    search: { symmetry: setup.reducer?.canon != null, preemptionBound: shape.preemptionBound, maxDepth: shape.maxDepth, first: shape.first },
  });
}
