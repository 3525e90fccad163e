// The public property API.
export type { AssertionProperty, DeadlockProperty, Fairness, FairnessSpec, Invariant, LivenessProperty, Property, PropertySet, StateInfo, StepInfo, StepProperty } from './types.js';
export { invariant, stepProperty, assertion, deadlockFree, defineProperties, type Implication, type StepImplication } from './define.js';
export { NO_MODELS, lazyRegistry, loadAll, registryOf, type LazyModel, type ModelEntry, type ModelRegistry, type RegistryModel } from './registry.js';
export { eventually, alwaysEventually, eventuallyAlways, leadsTo, livelockFree, withBuiltinLiveness, PROGRESS, SPIN } from './liveness.js';
