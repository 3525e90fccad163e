// What piscina loads in a compiled kmc (src/parallel/paths.ts): the pool worker's task, from its
// bundle (dist/bundle/worker.cjs, src/util/bundle.ts) when there is one, else worker.ts's modules
// one by one. Each worker thread loads kmc's search code itself: one file is quicker to load.

import { loadBundle } from '../util/bundle.js';
import type runTask from './worker.js';

const bundled = loadBundle('worker') as { default: typeof runTask } | undefined;

export default bundled?.default ?? (await import('./worker.js')).default;
