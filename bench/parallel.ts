// Parallel speed-up: the level-synchronous search on a pool of 1, 2 (and as many as the machine
// has) workers against the single-threaded engine (check()), on the largest benchmark model,
// for both deduplication schemes (partitioned ownership, the default; the shared lock-free
// table). Every configuration runs `rounds` times, interleaved; the ratios compare the best
// time of each (other load on the machine only ever adds time), the median is shown beside it.
// A calibration before and after says how many cores were free. Each parallel result is
// compared with the sequential one (states, verdict, counterexamples) before its time counts.
//
//   npm run bench -- parallel                 the default size
//   KMC_BENCH_PARAMS='{"cpus":3}' KMC_BENCH_ROUNDS=5 npm run bench -- parallel

import { availableParallelism, loadavg } from 'node:os';
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { bundled } from '../models/index.js';
import { check } from '../src/engine/check.js';
import type { CheckResult } from '../src/engine/result.js';
import { bundledRegistry, ParallelChecker, type DedupKind } from '../src/parallel/index.js';
import { renderTable } from '../src/report/text.js';
import { thousands } from '../src/util/format.js';

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
  result?: CheckResult;
}

/** kvm-hotplug at 5 CPUs: about a million states, some 10 s for check() on the 2-core machine. */
export const DEFAULT_PARAMS = { cpus: 5 };

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
  const rounds = o.rounds ?? 5;
  const cores = availableParallelism();
  const counts = o.workers ?? [...new Set([1, 2, cores])];
  const dedups = o.dedups ?? ['partitioned', 'shared-table'];
  const target = { model: entry.model, properties: entry.properties, source: { kind: 'bundled' as const, registry: bundledRegistry(), source: entry.source } };
  const options = { variant, params };

  const configs: Config[] = [{ label: 'check() (single-threaded engine)', workers: 0, times: [], cpuTimes: [] }];
  for (const dedup of dedups) for (const w of counts) configs.push({ label: `${dedup}, ${w} worker${w === 1 ? '' : 's'}`, workers: w, dedup, times: [], cpuTimes: [] });
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
        const r = c.workers === 0 ? check(entry.model, entry.properties, options) : await pools.get(c.workers)!.check(target, { ...options, dedup: c.dedup, tableSlots: 1 << 23 });
        c.times.push(performance.now() - t);
        const used = process.cpuUsage(cpu);
        c.cpuTimes.push((used.user + used.system) / 1000);
        if (r.status === 'error') throw new Error(`bench: ${c.label}: ${r.message}`);
        c.result ??= r;
        const reference = configs[0]!.result!;
        if (fingerprint(r) !== fingerprint(reference)) throw new Error(`bench: ${c.label} disagrees with the sequential search:\n  ${fingerprint(r)}\n  ${fingerprint(reference)}`);
      }
      log(`  round ${round + 1}: ${configs.map((c) => `${c.workers === 0 ? 'seq' : `${c.dedup === 'shared-table' ? 'shared' : 'part'}/${c.workers}`} ${(c.times.at(-1)! / 1000).toFixed(2)} s`).join(', ')}`);
    }
  } finally {
    for (const [, pool] of pools) await pool.close();
  }
  await calibration('after');

  const best = (xs: number[]) => Math.min(...xs);
  const seq = best(configs[0]!.times);
  const byKey = (dedup: DedupKind, w: number) => configs.find((c) => c.dedup === dedup && c.workers === w);
  const rows = configs.map((c) => {
    const t = best(c.times);
    const one = c.dedup ? byKey(c.dedup, 1) : undefined;
    const r = c.result!;
    return [
      c.label,
      thousands(r.status === 'error' ? 0 : r.stats.states),
      `${(t / 1000).toFixed(2)} s`,
      `${(median(c.times) / 1000).toFixed(2)} s`,
      `${(best(c.cpuTimes) / 1000).toFixed(2)} s`,
      thousands(r.status === 'error' ? 0 : (r.stats.states / t) * 1000),
      `${(seq / t).toFixed(2)}×`,
      one ? `${(best(one.times) / t).toFixed(2)}×` : '',
      r.status === 'error' ? '' : r.stats.bytesPerState.toFixed(1),
    ];
  });
  log(renderTable(['configuration', 'states', 'wall (best)', 'wall (median)', 'CPU (best)', 'states/s', 'vs check()', 'vs 1 worker', 'bytes/state'], rows, [34, 12, 11, 13, 10, 10, 10, 11, 11]));
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
    });
  },
};
