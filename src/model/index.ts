// The public model API: everything a model or a property file imports from kmc's model layer.
export { END } from './types.js';
export type {
  ActionDef, BoolParamSpec, BuildContext, Guard, IntParamSpec, LocationDef, ModelDef, Next, ParamSpec, ParamSpecs, ParamsOf, ParamValues, Recipe, StepEnv, SymmetryDef, System, ThreadDef,
} from './types.js';
export { step, choice, thread, defineModel, type StepOptions } from './program.js';
export { intParam, boolParam } from './params.js';
export type { Draft } from 'immer';
