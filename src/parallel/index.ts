// The parallel search's public surface: a pool of worker threads running level-synchronous
// breadth-first search, returning the same CheckResult as the sequential check().
export { ParallelChecker, checkParallel, type ParallelCheckOptions, type ParallelProgress, type ParallelTarget } from './pool.js';
export type { DedupKind, ModelSource, WorkerReport } from './protocol.js';
export { availableMemory, defaultMaxMemory } from './memory.js';
export { backendFor, parallelBackend, sequentialBackend, type BackendOptions, type SearchBackend } from './backend.js';
