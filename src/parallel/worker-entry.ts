// What piscina loads in a compiled kmc (src/parallel/paths.ts): the pool worker's task, from its
// bundle (dist/bundle/worker.cjs, src/util/bundle.ts) when there is one, else worker.ts's modules
// one by one. Each worker thread loads kmc's search code itself: one file is quicker to load.

import { loadBundle, saveBundleCaches } from '../util/bundle.js';
import type runTask from './worker.js';

const bundled = loadBundle('worker') as { default: typeof runTask } | undefined;
const task = bundled?.default ?? (await import('./worker.js')).default;

export default async function runBundledTask(t: Parameters<typeof runTask>[0]): ReturnType<typeof runTask> {
  try {
    return await task(t);
  } finally {
    // The search code compiled by this task, kept for the next run's workers (only when the bundle had no cache).
    saveBundleCaches();
  }
}
