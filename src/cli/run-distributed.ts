// kmc check --redis URL: the coordinator of a distributed run (src/distributed/coordinator.ts),
// with local worker processes (`kmc worker`, --workers of them; none with --workers 0, when the
// workers run on other machines), progress for every worker, and the exit codes: the verdict's,
// or 3 when Redis went away (the run stays in Redis: the same command resumes it).
//
// Liveness properties need the state graph, which the distributed search does not keep: they are
// checked after it in one local worker, without reductions, and the result says so (as the
// parallel search does).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isPlan, planCheck } from '../engine/plan.js';
import type { CheckResult } from '../engine/result.js';
import { mergeLivenessResult } from '../engine/liveness/run.js';
import type { CompiledModel } from '../model/compile.js';
import { ParallelChecker } from '../parallel/index.js';
import type { ModelEntry, ModelRegistry } from '../property/registry.js';
import { coordinate, type CoordinatorOptions, type DistributedProgress } from '../distributed/coordinator.js';
import { connect, isConnectionError, RedisAuthError, type Client } from '../distributed/connection.js';
import { isShardLost, RunDamaged } from '../distributed/integrity.js';
import type { RunSource } from '../distributed/run.js';
import { UsageError } from '../util/errors.js';
import { bytes, thousands } from '../util/format.js';
import type { Io } from './io.js';
import { modelSourceFile } from './checkpoint.js';
import { ProgressPrinter } from './progress.js';
import { modelSource } from './run-check.js';
import { VERSION } from './version.js';

/** What the CLI passes on to the coordinator as it is, and its own options. */
export interface DistributedCliOptions extends Pick<CoordinatorOptions, 'variant' | 'preemptionBound' | 'maxDepth' | 'maxStates' | 'maxTimeMs' | 'first' | 'shards' | 'claimAfterMs' | 'symmetry'> {
  redis: string;
  workers: number;
  params: Record<string, string>;
  property: string[];
  /** No progress (--quiet, --json, a --reporter on stdout). */
  quiet: boolean;
  /** --quiet itself: not even the line naming the run (which says how to resume it and how to join). */
  silent?: boolean | undefined;
  io: Io;
  registry: ModelRegistry;
}

/** A file in the package (bin/kmc.js, models/x.ts), from src/cli or dist/src/cli. */
function packageFile(rel: string): string | undefined {
  for (const up of ['../../', '../../../']) {
    const p = fileURLToPath(new URL(up + rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Where a worker finds the entry's model (a bundled model by name, a file by its path), and the
 * file hashed into the run's identity (the checkpoint's choice: the model file, or the registry).
 */
export function sourceOf(entry: ModelEntry, registry: ModelRegistry): { source: RunSource; sourceFile: string } {
  const sourceFile = modelSourceFile(entry, registry.module);
  if (!entry.source.startsWith('models/')) return { source: { kind: 'file', path: sourceFile }, sourceFile };
  return { source: { kind: 'bundled', name: entry.model.name }, sourceFile };
}

export interface DistributedCheckOutcome {
  result: CheckResult;
  model: CompiledModel | undefined;
  /** Redis went away (exit 3, resumable), or the run lost data (exit 3, started over by the same command): what to say. */
  lost?: string;
}

export async function runDistributed(entry: ModelEntry, o: DistributedCliOptions): Promise<DistributedCheckOutcome> {
  const plan = planCheck(entry.model, entry.properties, { variant: o.variant, params: o.params, property: o.property.length ? o.property : undefined });
  if (!isPlan(plan)) return { result: plan, model: undefined };
  const safety = plan.selected.filter((p) => p.kind !== 'liveness');
  const liveness = plan.selected.filter((p) => p.kind === 'liveness');
  if (safety.length === 0) throw new UsageError('--redis searches safety properties (invariants, steps, assertions, deadlock); the properties selected are all liveness: check them without --redis');
  const { source, sourceFile } = sourceOf(entry, o.registry);
  let client: Client;
  try {
    client = await connect(o.redis);
  } catch (e) {
    if (e instanceof TypeError || e instanceof RedisAuthError) throw new UsageError(e.message);
    if (isConnectionError(e)) return { result: plan as never, model: plan.model, lost: lostText(e) };
    throw e;
  }
  const printer = o.quiet ? undefined : new ProgressPrinter(o.io);
  const interrupt = new AbortController();
  const stopListening = o.io.onInterrupt?.(() => {
    if (interrupt.signal.aborted) return;
    printer?.finish();
    o.io.err('kmc: interrupted: stopping the distributed run (it stays in Redis; the same command resumes it)');
    interrupt.abort();
  });
  const children: ChildProcess[] = [];
  let stoppedEarly = false;
  let lastWorkerLine = 0;
  try {
    const out = await coordinate({
      client,
      def: entry.model,
      properties: entry.properties.properties,
      source,
      sourceFile,
      kmcVersion: VERSION,
      variant: o.variant,
      params: o.params,
      property: safety.map((p) => p.name),
      symmetry: o.symmetry,
      preemptionBound: o.preemptionBound,
      maxDepth: o.maxDepth,
      maxStates: o.maxStates,
      // --max-time counts from when kmc started (as its supervisor, src/cli/supervise.ts, does:
      // this thread's clock starts with it), not from when the run reached Redis: the run stops
      // itself in time to report, rather than being cut off by the supervisor.
      maxTimeMs: o.maxTimeMs !== undefined ? Math.max(0, o.maxTimeMs - performance.now()) : undefined,
      first: o.first,
      shards: o.shards,
      claimAfterMs: o.claimAfterMs,
      signal: interrupt.signal,
      onRun: (id, resumed, discarded) => {
        if (discarded !== undefined && !o.silent) o.io.err(`kmc: run ${id} on Redis was damaged (${discarded}): its keys are deleted and it starts over`);
        if (!o.silent) o.io.err(`kmc: ${resumed ? `resuming distributed run ${id} at depth ${resumed.level} (${resumed.stage})` : `distributed run ${id} started`} on ${redactUrl(o.redis)}; more workers: kmc worker --redis URL --run ${id}`);
        for (let i = 0; i < o.workers; i++) children.push(startWorker(o, id, i));
      },
      onProgress: (p: DistributedProgress) => {
        printer?.update(p);
        o.io.progress?.(p);
        if (!printer || p.beats.length === 0 || Date.now() - lastWorkerLine < 10_000) return;
        lastWorkerLine = Date.now();
        printer.finish();
        o.io.err(`kmc: workers: ${p.beats.map((b) => `${b.name} ${thousands(b.chunks)} chunks, ${thousands(b.states)} new states, ${bytes(b.rss)}${b.ageMs > 5000 ? `, silent ${Math.round(b.ageMs / 1000)}s` : ''}`).join('; ')}`);
      },
    });
    printer?.finish();
    stoppedEarly = out.kept;
    if (out.kept && !o.silent) o.io.err(`kmc: run ${out.id} stopped early and stays in Redis: the same command resumes it`);
    let result = out.result;
    if (liveness.length > 0 && result.status !== 'error' && !out.kept) {
      const checker = new ParallelChecker(1);
      try {
        const target = { model: entry.model, properties: entry.properties, source: modelSource(entry, o.registry.module), plan: { ...plan, selected: liveness } };
        const live = await checker.checkSequential(target, { variant: o.variant, params: o.params, property: liveness.map((p) => p.name), por: false, symmetry: false, maxDepth: o.maxDepth, maxStates: o.maxStates, signal: interrupt.signal });
        result = mergeLivenessResult(result, live, plan.selected, `liveness (${liveness.map((p) => p.name).join(', ')}) checked on this machine by one worker on the full state graph, without reductions: the distributed search does not keep the graph`);
      } finally {
        await checker.close();
      }
    }
    return { result, model: plan.model };
  } catch (e) {
    printer?.finish();
    if (isConnectionError(e)) return { result: plan as never, model: plan.model, lost: lostText(e) };
    throw e;
  } finally {
    stopListening?.();
    await stopWorkers(children, interrupt.signal.aborted || stoppedEarly);
    client.disconnect();
  }
}

function lostText(e: unknown): string {
  const m = (e as Error).message;
  if (e instanceof RunDamaged) return m;
  if (isShardLost(e)) return 'the run lost data on Redis (a shard of its visited set is gone: a node restarted without persistence?); nothing it found stands: the same command starts it over';
  return `lost Redis: ${m}; the run stays in Redis as far as it got: once Redis is back, the same command resumes it`;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

function startWorker(o: DistributedCliOptions, id: string, i: number): ChildProcess {
  const bin = packageFile('bin/kmc.js');
  if (bin === undefined) throw new Error('cannot find bin/kmc.js to start the local workers');
  const child = spawn(process.execPath, [bin, 'worker', '--redis', o.redis, '--run', id, '--name', `local-${process.pid}-${i}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => void (err += d.toString()));
  child.on('exit', (code, signal) => {
    // A worker that ends otherwise than with its run says why (others carry on; chunks it held are claimed).
    if (code !== 0 && !told.has(child) && !o.silent) o.io.err(`kmc: local worker ${i} exited (${signal ?? `code ${code}`})${err.trim() ? `: ${err.trim().split('\n').slice(-3).join(' / ')}` : ''}`);
  });
  return child;
}

/** Local workers told to stop (their exit is not news). */
const told = new WeakSet<ChildProcess>();

/**
 * The local workers end by themselves when the run is over (waited for, 5 s at most, then
 * killed). When it stopped early they are told at once (SIGTERM: a worker ends after the chunk
 * it holds, or at once while it starts) and waited for 1 s at most, so that kmc reports within
 * its stop grace; one still finishing its chunk is left to end by itself.
 */
async function stopWorkers(children: ChildProcess[], stopped: boolean): Promise<void> {
  const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  if (stopped)
    for (const c of alive) {
      told.add(c);
      c.kill('SIGTERM');
    }
  await Promise.all(
    alive.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const t = setTimeout(() => {
            if (!stopped) c.kill('SIGKILL');
            resolve();
          }, stopped ? 1000 : 5000);
          c.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
        }),
    ),
  );
}
