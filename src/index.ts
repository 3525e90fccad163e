// kmc as a library: the model API, kernel primitives, properties and the engine.
export * from './model/index.js';
export * from './kernel/index.js';
export * from './property/index.js';
export { check, assertHolds, CheckFailure, type CheckOptions } from './engine/check.js';
export type { CheckResult, Violation, Stats, PropertyStatus } from './engine/result.js';
export { compileModel, type CompiledModel } from './model/compile.js';
// The ready-made properties (lock discipline, lockdep's lock order) are 'kernel-model-checker/properties'.
