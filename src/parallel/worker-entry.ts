// What piscina loads in a compiled kmc (src/parallel/paths.ts): the pool worker's task, from its
// bundle (dist/bundle/worker.cjs, src/util/bundle.ts) when there is one, else worker.ts's modules
// one by one. Each worker thread loads kmc's search code itself: one file is quicker to load.

import { move, transferableSymbol, valueSymbol } from 'piscina';
import { loadBundle, saveBundleCaches } from '../util/bundle.js';
import type * as Worker from './worker.js';

const bundled = loadBundle('worker') as typeof Worker | undefined;
const { default: task, transferOf } = bundled ?? (await import('./worker.js'));

export default async function runBundledTask(t: Parameters<typeof task>[0]): ReturnType<typeof task> {
  try {
    const report = await task(t);
    // A part of the state graph is moved to the orchestrator, not copied, and not kept here
    // (graph-part.ts): piscina transfers what a movable result lists.
    const buffers = transferOf(report);
    return buffers.length === 0 ? report : (move({ [transferableSymbol]: buffers, [valueSymbol]: report }) as unknown as Awaited<ReturnType<typeof task>>);
  } finally {
    // The search code compiled by this task, kept for the next run's workers (only when the bundle had no cache).
    saveBundleCaches();
  }
}
