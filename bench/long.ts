// The length of a bench run. `npm run bench` (every section) is meant to finish in about 15
// minutes on the project's 2-core machine: each section runs, by default, the sizes and rounds
// that measure what it is for in a bounded time. KMC_BENCH_FULL=1 restores the long form (more
// rounds, the largest sizes, longer time bounds), which takes hours; each section's own
// environment variables (bench/README.md) still override either.

/** KMC_BENCH_FULL=1: the long form of every section. */
export const FULL = process.env.KMC_BENCH_FULL === '1';

/** `short` in the default run, `full` under KMC_BENCH_FULL=1. */
export function byLength<T>(short: T, full: T): T {
  return FULL ? full : short;
}
