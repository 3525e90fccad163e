// The engine's public surface.
export { check, assertHolds, CheckFailure, propertiesOf, type CheckOptions } from './check.js';
export { resultOf, runInfo, errorResult, errorResultOf, type ResultContext } from './result-builder.js';
export { search, type SearchOptions, type SearchOutcome, type Progress, type FoundViolation } from './search.js';
export { ExhaustiveChooser, RandomChooser, formatPath, parsePath, type Chooser } from './chooser.js';
export { StateQueue, type Frontier } from './frontier.js';
export { FingerprintSet, PathLog, pathTo, type StateStore } from './visited.js';
export { makeEvaluator, selectProperties, type Evaluator } from './evaluate.js';
export * from './result.js';
