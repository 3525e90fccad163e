// The public model API: everything a model or a property file imports from kmc's model layer.
export { END } from './types.js';
export type {
  ActionDef, BoolParamSpec, BuildContext, Gate, GatedAction, Guard, IntParamSpec, LocationDef, ModelDef, Next, ParamSpec, ParamSpecs, ParamsOf, ParamValues, Recipe, StepEnv, StateOf, SymmetryDef, System, ThreadDef, VariantOf,
} from './types.js';
export { step, choice, thread, threadKind, spawn, func, withNote, alsoRun, byVariant, defineModel, type StepOptions, type ThreadKind } from './program.js';
export { programListing } from './listing.js';
export { LOCALS_KEY } from './locals.js';
export { declareStraight, type StraightForm } from './straight.js';
export { intParam, boolParam } from './params.js';
export type { Draft } from 'immer';
