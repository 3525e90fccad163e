// Worker bootstrap for running kmc from its TypeScript sources (vitest, tsx): registers tsx in
// this worker thread, then loads the .ts worker named in workerData and hands piscina its task
// function. The compiled CLI (dist/) loads dist/src/parallel/worker.js directly and never
// comes here.
import { workerData } from 'node:worker_threads';

const target = workerData && workerData.kmcWorker;
if (typeof target !== 'string') throw new Error('kmc worker bootstrap: workerData.kmcWorker is not set');
const { register } = await import('tsx/esm/api');
register();
const mod = await import(target);
export default mod.default;
