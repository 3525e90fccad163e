// What compiling a model costs (bench/README.md, "The step compiler's compile cost"): one build
// (ROOT: a checkout with its own dist/, as bench/small-runs.ts takes) in a fresh process, so the
// first compile is cold (the step compiler's own code not yet optimised, nothing cached), as in a
// CLI run or a worker; then N more compiles of the same variant (warm: the cache's case).
// Every step is compiled (compileSteps, where the build has it: since session 8 steps compile on
// first use), so the figure is the whole compile a run that reaches every step pays.
//
//   node dist/bench/compile-cost.js ROOT [N] [straight-off]    # CPU ms: the first compile, then the mean of N more
//   node dist/bench/compile-cost.js ROOT 0 none              # imports only (the baseline under callgrind)
//   valgrind --tool=callgrind node dist/bench/compile-cost.js ROOT 0   # instructions: subtract the `none` run's
//   node dist/bench/compile-cost.js ROOT N handoff   # a pool worker's cold compile, N times: generating, against seeded
//
// `handoff` (builds with straight.ts's generatedFor, session 9): the whole compile (every step)
// in a fresh worker thread, cold, as a pool worker does it: generating every body, and seeded
// with the code a first thread generated (as pool.ts hands it in the task), alternated.
//
// Not a section of `npm run bench`: it compares builds.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root = '.', count = '20', mode = ''] = process.argv.slice(2);
const url = (p: string) => pathToFileURL(resolve(root, 'dist', p)).href;
const models = await import(url('models/index.js'));
const compile = await import(url('src/model/compile.js'));
const entry = (models.bundled as { model: { name: string; variants: Record<string, unknown> } }[]).find((e) => e.model.name === 'kvm-hotplug')!;
const variant = Object.keys(entry.model.variants)[0]!;
const options = mode === 'straight-off' ? { variant, straight: false } : { variant };
const all = (compile.compileSteps ?? ((m: unknown) => m)) as (m: unknown) => unknown;
const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

if (mode === 'handoff') {
  const { Worker } = await import('node:worker_threads');
  const body = `
    const { workerData, parentPort } = await import('node:worker_threads');
    const u = (p) => workerData.base + '/' + p;
    const compile = await import(u('src/model/compile.js'));
    const straight = await import(u('src/model/straight.js'));
    const def = (await import(u('models/index.js'))).bundled.find((e) => e.model.name === 'kvm-hotplug').model;
    const options = { variant: workerData.variant };
    const t = process.cpuUsage();
    if (workerData.code) straight.seedGenerated(workerData.code);
    const m = compile.compileSteps(compile.compileModel(def, options));
    const d = process.cpuUsage(t);
    parentPort.postMessage({ ms: (d.user + d.system) / 1000, counts: { ...straight.straightCounts }, code: workerData.code ? undefined : straight.generatedFor(m.layout) });`;
  type Out = { ms: number; counts: { generated: number; seeded: number }; code?: unknown };
  const inWorker = (code?: unknown) =>
    new Promise<Out>((done, fail) => {
      const w = new Worker(body, { eval: true, workerData: { base: url('.').replace(/\/$/, ''), variant, code } });
      w.once('message', (m: Out) => void w.terminate().then(() => done(m)));
      w.once('error', fail);
    });
  const code = (await inWorker()).code;
  for (let i = 0; i < Number(count); i++) {
    const cold = await inWorker();
    const seeded = await inWorker(code);
    console.log(`${root}: kvm-hotplug ${variant}, a worker's compile: generating ${cold.ms.toFixed(1)} ms CPU (${cold.counts.generated} bodies), seeded ${seeded.ms.toFixed(1)} ms (${seeded.counts.seeded} bodies taken, ${seeded.counts.generated} generated)`);
  }
} else if (mode !== 'none') {
  let t = process.cpuUsage();
  all(compile.compileModel(entry.model, options));
  const first = cpuMs(t);
  const n = Number(count);
  t = process.cpuUsage();
  for (let i = 0; i < n; i++) all(compile.compileModel(entry.model, options));
  console.log(`${root}: kvm-hotplug ${variant}${mode ? ` (${mode})` : ''}: first compile ${first.toFixed(1)} ms CPU${n > 0 ? `, then ${(cpuMs(t) / n).toFixed(2)} ms each (${n})` : ''}`);
}
