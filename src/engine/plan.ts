// A check's plan, resolved once before any search: the model compiled for its variant and
// parameters, its properties and the selected ones. The sequential check() and the parallel
// search's orchestrator run from a plan; the CLI resolves it once and hands it to the pool, so
// the main thread compiles the model once (each worker thread compiles its own copy: functions
// do not cross threads).

import { compileModel, type CompileOptions, type CompiledModel } from '../model/compile.js';
import type { ModelDef } from '../model/types.js';
import type { Property, PropertySet } from '../property/types.js';
import { ModelError } from '../util/errors.js';
import { withBuiltinLiveness } from '../property/liveness.js';
import { propertiesOf } from '../property/model-file.js';

export { propertiesOf };
import { selectProperties } from './evaluate.js';
import { errorResult, uncompiledRun, type ErrorResult } from './result-builder.js';

export interface CheckPlan {
  def: ModelDef;
  model: CompiledModel;
  /** All the model's properties (they declare the assertion tags) and the ones checked. */
  all: readonly Property[];
  selected: readonly Property[];
}

export interface PlanOptions extends CompileOptions {
  /** Names of the properties to check (default: all of the model's). */
  property?: readonly string[] | undefined;
}


/**
 * The plan, or the error result of a model that does not build. Bad usage (an unknown variant,
 * parameter or property) throws a UsageError.
 */
export function planCheck(def: ModelDef, properties: PropertySet | readonly Property[], o: PlanOptions): CheckPlan | ErrorResult {
  let model: CompiledModel;
  try {
    model = compileModel(def, o);
  } catch (e) {
    if (e instanceof ModelError) return errorResult(uncompiledRun(def.name, o.variant), e.message);
    throw e;
  }
  // The built-in liveness property (livelock) is on wherever deadlock is, unless the set opts out
  // of it by name (src/property/liveness.ts).
  const all = withBuiltinLiveness(properties);
  return { def, model, all, selected: selectProperties(all, o.property, def.name) };
}

export function isPlan(p: CheckPlan | ErrorResult): p is CheckPlan {
  return !('status' in p);
}
