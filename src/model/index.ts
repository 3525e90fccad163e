// The public model API: everything a model or a property file imports from kmc's model layer.
export { END } from './types.js';
export type {
  ActionDef, BuildContext, Guard, LocationDef, ModelDef, Next, ParamSpec, ParamValues, Recipe, StepEnv, SymmetryDef, System, ThreadDef,
} from './types.js';
export { step, choice, thread, defineModel, type StepOptions } from './program.js';
export { intParam, boolParam } from './params.js';
export type { Draft } from 'immer';
