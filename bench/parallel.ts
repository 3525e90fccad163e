// Parallel speed-up: the level-synchronous search on a pool of 1, 2 (and as many as the machine
// has) workers against the single-threaded engine (check()), on the largest benchmark model,
// for both deduplication schemes (partitioned ownership; the shared lock-free table, at the
// pool's default initial size). Every configuration runs `rounds` times, interleaved; the ratios
// compare the median time of each, the best is shown beside it, and the load average is logged
// every round (the machine is shared). A calibration before and after says how many cores were
// free. Each parallel result is compared with the sequential one (states, verdict,
// counterexamples) before its time counts. `wait` is the share of the run the busiest-waiting
// worker spent at level ends (exchanging the last successors, barriers: WorkerReport.waitMs).
//
//   npm run bench -- parallel                 the default size, 3 rounds (5 with KMC_BENCH_FULL=1)
//   KMC_BENCH_PARAMS='{"cpus":3}' KMC_BENCH_ROUNDS=5 npm run bench -- parallel
//   KMC_BENCH_DEDUPS=shared-table KMC_BENCH_WORKERS=1,2 npm run bench -- parallel

import { availableParallelism, loadavg } from 'node:os';
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { bundled, registry } from '../models/index.js';
import { check } from '../src/engine/check.js';
import type { CheckResult } from '../src/engine/result.js';
import { ParallelChecker, type DedupKind } from '../src/parallel/index.js';
import { renderTable } from '../src/report/text.js';
import { thousands } from '../src/util/format.js';
import { byLength } from './long.js';

export interface ParallelBenchOptions {
  model?: string;
  variant?: string;
  params?: Record<string, number | boolean>;
  rounds?: number;
  workers?: number[];
  dedups?: DedupKind[];
  log?: (s: string) => void;
}

interface Config {
  label: string;
  workers: number;
  dedup?: DedupKind;
  times: number[];
  /** CPU time of the whole process (every thread): what the run cost, whatever else ran on the machine. */
  cpuTimes: number[];
  /** The largest share of the wall time any worker spent waiting at level ends. */
  waits: number[];
  result?: CheckResult;
}

/**
 * kvm-hotplug at 4 CPUs: about a million states (1,176,124), some 10 s for check() on the 2-core
 * machine. It was cpus=5 until the model grew (session 9: cpus=5 is now over 4.9 M states, and a
 * round of the seven searches below took some 14 minutes).
 */
export const DEFAULT_PARAMS = { cpus: 4 };

/** A busy loop in a small array (compute-bound), and random updates of a 64 MiB array (memory-bound, as a search is). */
const CALIBRATION = {
  compute: `let x = 0; const a = new Int32Array(1 << 20);
    for (let i = 0; i < 2e8; i++) { x = (x + Math.imul(i, 2654435761)) | 0; a[i & 0xfffff] ^= x; }`,
  memory: `let x = 1; const a = new Int32Array(1 << 24);
    for (let i = 0; i < 3e7; i++) { x = (Math.imul(x, 1103515245) + 12345) | 0; a[(x >>> 7) & 0xffffff] += i; }`,
};

/**
 * How much parallelism the machine gives right now: the same fixed loop in 1 and in N threads
 * (worker threads of one process, as the parallel search) or N processes at once. N at once as
 * fast as 1 gives N.00×; twice as long, 1.00× (one core's worth). Printed with the figures, so
 * they can be judged: a memory-bound loop in threads is the ceiling for the parallel search.
 */
export async function calibrate(kind: keyof typeof CALIBRATION, n: number, as: 'threads' | 'processes'): Promise<number> {
  const body = CALIBRATION[kind];
  const one = (): Promise<unknown> =>
    as === 'threads'
      ? new Promise((resolve, reject) =>
          new Worker(`const { parentPort } = require('node:worker_threads'); ${body}; parentPort.postMessage(0);`, { eval: true }).once('message', resolve).once('error', reject),
        )
      : new Promise((resolve, reject) =>
          spawn(process.execPath, ['-e', body], { stdio: 'ignore' }).once('exit', (code) => (code === 0 ? resolve(code) : reject(new Error(`calibration exited ${code}`)))),
        );
  const run = async (k: number) => {
    const t = performance.now();
    await Promise.all(Array.from({ length: k }, one));
    return performance.now() - t;
  };
  const single = await run(1);
  return (n * single) / (await run(n));
}

/**
 * Worker threads that each run the single-threaded check() when asked: k of them at once, each
 * its own search with nothing shared, is the ceiling for k workers sharing one search (what
 * this machine gives this very work in threads of one process, measured in the same rounds).
 */
class IndependentChecks {
  private constructor(private readonly threads: Worker[]) {}

  static async start(n: number, name: string, options: { variant: string; params: Record<string, number | boolean> }): Promise<IndependentChecks> {
    const workerData = { models: new URL('../models/index.js', import.meta.url).href, check: new URL('../src/engine/check.js', import.meta.url).href, name, options };
    const code = `const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        const { bundled } = await import(workerData.models);
        const { check } = await import(workerData.check);
        const e = bundled.find((x) => x.model.name === workerData.name);
        parentPort.on('message', () => {
          const r = check(e.model, e.properties, workerData.options);
          parentPort.postMessage(r.status === 'error' ? r.message : r.stats.states);
        });
        parentPort.postMessage('ready');
      })();`;
    const threads = await Promise.all(
      Array.from({ length: n }, () => {
        const w = new Worker(code, { eval: true, workerData });
        return new Promise<Worker>((resolve, reject) => w.once('message', () => resolve(w)).once('error', reject));
      }),
    );
    return new IndependentChecks(threads);
  }

  /** Run check() in `k` threads at once; the wall time until the last is done. */
  async run(k: number): Promise<number> {
    const t = performance.now();
    await Promise.all(
      this.threads.slice(0, k).map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('message', (m: unknown) => (typeof m === 'number' ? resolve() : reject(new Error(`bench: check() in a thread: ${String(m)}`))));
            w.postMessage('run');
          }),
      ),
    );
    return performance.now() - t;
  }

  close(): Promise<number[]> {
    return Promise.all(this.threads.map((w) => w.terminate()));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function fingerprint(r: CheckResult): string {
  if (r.status === 'error') return `error: ${r.message}`;
  const v = r.status === 'violated' ? r.violations.map((x) => `${x.property}@${x.path.join('/')}`).join(' ') : '';
  return `${r.status} ${r.stats.states} ${r.stats.transitions} ${v}`;
}

export async function benchParallel(o: ParallelBenchOptions = {}): Promise<void> {
  const log = o.log ?? ((s: string) => console.log(s));
  const name = o.model ?? 'kvm-hotplug';
  const entry = bundled.find((e) => e.model.name === name);
  if (!entry) throw new Error(`bench: model ${name} is not registered in models/index.ts`);
  const variant = o.variant ?? Object.keys(entry.model.variants)[0]!;
  const params = o.params ?? DEFAULT_PARAMS;
  const rounds = o.rounds ?? byLength(3, 5);
  const cores = availableParallelism();
  const counts = o.workers ?? [...new Set([1, 2, cores])];
  const dedups = o.dedups ?? ['partitioned', 'shared-table'];
  const target = { model: entry.model, properties: entry.properties, source: { kind: 'bundled' as const, registry: registry.module!, source: entry.source } };
  const options = { variant, params };

  const configs: Config[] = [{ label: 'check() (single-threaded engine)', workers: 0, times: [], cpuTimes: [], waits: [] }];
  for (const dedup of dedups) for (const w of counts) configs.push({ label: `${dedup}, ${w} worker${w === 1 ? '' : 's'}`, workers: w, dedup, times: [], cpuTimes: [], waits: [] });
  // The ceiling: check() in one worker thread, and in as many threads at once as the largest pool.
  const most = Math.max(...counts);
  const independent = most > 1 ? await IndependentChecks.start(most, name, { variant, params }) : undefined;
  const ceilings: { k: number; label: string; times: number[] }[] = independent
    ? [
        { k: 1, label: 'check() in 1 thread', times: [] },
        { k: most, label: `${most} × check() at once (ceiling)`, times: [] },
      ]
    : [];
  const pools = new Map(counts.map((w) => [w, new ParallelChecker(w)] as const));
  log(`  ${name} --variant ${variant} ${Object.entries(params).map(([k, v]) => `${k}=${v}`).join(' ')}: ${rounds} rounds, ${cores} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const calibration = async (when: string) => {
    const c = await calibrate('compute', cores, 'threads');
    const mt = await calibrate('memory', cores, 'threads');
    const mp = await calibrate('memory', cores, 'processes');
    log(
      `  calibration (${when}), ${cores} loops at once against 1 (${cores}.00× = all ${cores} cores' worth): compute-bound in threads ${c.toFixed(2)}×; ` +
        `memory-bound in threads ${mt.toFixed(2)}×, in processes ${mp.toFixed(2)}×`,
    );
  };
  await calibration('before');
  try {
    // Warm each pool (threads started, model imported): the CLI pays that once per run, about
    // 0.1 s, and it is not what the speed-up is about.
    for (const [, pool] of pools) await pool.check(target, { ...options, maxStates: 1000 });
    for (let round = 0; round < rounds; round++) {
      for (const c of configs) {
        const t = performance.now();
        const cpu = process.cpuUsage();
        let waitMs = 0;
        const r =
          c.workers === 0
            ? check(entry.model, entry.properties, options)
            : await pools.get(c.workers)!.check(target, { ...options, dedup: c.dedup, onWorkerReports: (rs) => (waitMs = Math.max(...rs.map((x) => x.waitMs))) });
        c.times.push(performance.now() - t);
        c.waits.push(waitMs / c.times.at(-1)!);
        const used = process.cpuUsage(cpu);
        c.cpuTimes.push((used.user + used.system) / 1000);
        if (r.status === 'error') throw new Error(`bench: ${c.label}: ${r.message}`);
        c.result ??= r;
        const reference = configs[0]!.result!;
        if (fingerprint(r) !== fingerprint(reference)) throw new Error(`bench: ${c.label} disagrees with the sequential search:\n  ${fingerprint(r)}\n  ${fingerprint(reference)}`);
      }
      for (const c of ceilings) c.times.push(await independent!.run(c.k));
      log(`  round ${round + 1} (load ${loadavg()[0]!.toFixed(1)}): ${configs.map((c) => `${c.workers === 0 ? 'seq' : `${c.dedup === 'shared-table' ? 'shared' : 'part'}/${c.workers}`} ${(c.times.at(-1)! / 1000).toFixed(2)} s`).join(', ')}${ceilings.map((c) => `, check()×${c.k} ${(c.times.at(-1)! / 1000).toFixed(2)} s`).join('')}`);
    }
  } finally {
    for (const [, pool] of pools) await pool.close();
    await independent?.close();
  }
  await calibration('after');

  const best = (xs: number[]) => Math.min(...xs);
  const seq = median(configs[0]!.times);
  const byKey = (dedup: DedupKind, w: number) => configs.find((c) => c.dedup === dedup && c.workers === w);
  const rows = configs.map((c) => {
    const t = median(c.times);
    const one = c.dedup ? byKey(c.dedup, 1) : undefined;
    const r = c.result!;
    return [
      c.label,
      thousands(r.status === 'error' ? 0 : r.stats.states),
      `${(t / 1000).toFixed(2)} s`,
      `${(best(c.times) / 1000).toFixed(2)} s`,
      `${(median(c.cpuTimes) / 1000).toFixed(2)} s`,
      thousands(r.status === 'error' ? 0 : (r.stats.states / t) * 1000),
      `${(seq / t).toFixed(2)}×`,
      one ? `${(median(one.times) / t).toFixed(2)}×` : '',
      c.workers === 0 ? '' : `${(median(c.waits) * 100).toFixed(1)}%`,
      r.status === 'error' ? '' : r.stats.bytesPerState.toFixed(1),
    ];
  });
  if (ceilings.length === 2) {
    const [one, all] = ceilings as [(typeof ceilings)[0], (typeof ceilings)[0]];
    const cell = (xs: number[]) => [`${(median(xs) / 1000).toFixed(2)} s`, `${(best(xs) / 1000).toFixed(2)} s`];
    rows.push(
      [one.label, '', ...cell(one.times), '', '', '', '1.00×', '', ''],
      [all.label, '', ...cell(all.times), '', '', '', `${((all.k * median(one.times)) / median(all.times)).toFixed(2)}×`, '', ''],
    );
  }
  log(
    renderTable(
      ['configuration', 'states', 'wall (median)', 'wall (best)', 'CPU (median)', 'states/s', 'vs check()', 'vs 1 worker', 'wait', 'bytes/state'],
      rows,
      [34, 12, 13, 11, 12, 10, 10, 11, 6, 11],
    ),
  );
}

export const section = {
  name: 'parallel',
  doc: 'speed-up of the parallel search (1, 2 and all cores) against check(), both deduplication schemes',
  run: async () => {
    const env = process.env;
    await benchParallel({
      ...(env.KMC_BENCH_MODEL ? { model: env.KMC_BENCH_MODEL } : {}),
      ...(env.KMC_BENCH_VARIANT ? { variant: env.KMC_BENCH_VARIANT } : {}),
      ...(env.KMC_BENCH_PARAMS ? { params: JSON.parse(env.KMC_BENCH_PARAMS) as Record<string, number> } : {}),
      ...(env.KMC_BENCH_ROUNDS ? { rounds: Number(env.KMC_BENCH_ROUNDS) } : {}),
      ...(env.KMC_BENCH_WORKERS ? { workers: env.KMC_BENCH_WORKERS.split(',').map(Number) } : {}),
      ...(env.KMC_BENCH_DEDUPS ? { dedups: env.KMC_BENCH_DEDUPS.split(',') as DedupKind[] } : {}),
    });
  },
};
