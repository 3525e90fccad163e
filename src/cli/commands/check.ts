// kmc check <model> | --all

import type { Command } from 'commander';
import { loadAll, type ModelEntry, type ModelRegistry } from '../../property/registry.js';
import type { Property } from '../../property/types.js';
import { withBuiltinLiveness } from '../../property/liveness.js';
import { compileModel, type CompiledModel } from '../../model/compile.js';
import { parseParamArgs } from '../../model/params.js';
import { exitCodeOf, type CheckResult } from '../../engine/result.js';
import { headline, renderResult, renderTable } from '../../report/text.js';
import { resultToJson } from '../../report/json.js';
import { renderMarkdown } from '../../report/markdown.js';
import { renderHtml } from '../../report/html.js';
import { renderCoverage } from '../../report/coverage.js';
import { notExercised, verdictWord } from '../../report/holds.js';
import { writeOutputFile } from '../../util/output-file.js';
import { isKmcHtml } from '../html-file.js';
import { checkReportingOptions, emitReports, parseReporter, REPORTERS, type ReporterName } from '../reporting.js';
import { UsageError } from '../../util/errors.js';
import { MEMORY_MODELS } from '../../kernel/memory.js';
import { seconds, thousands } from '../../util/format.js';
import type { Io } from '../io.js';
import { loadModel, loadModels } from '../../property/load-model.js';
import { displayPath } from '../../util/display-path.js';
import { collect, limitsFromFlags, parseCount, parseDuration, parseBytes, type LimitFlags } from '../options.js';
import { defaultWorkers, runCheck, workersFor, type RunCheckOptions } from '../run-check.js';
import { DEFAULT_TRACE_DIR, emitTraceFiles } from '../traces.js';
import { afterCheckpointedRun, DEFAULT_CHECKPOINT_EVERY_MS, refuseUsedDirectory, type CheckpointFlags } from '../checkpoint.js';
import { resolve } from 'node:path';

export interface CheckCliOptions extends LimitFlags {
  all?: boolean;
  variant?: string;
  param: string[];
  property: string[];
  json?: boolean;
  markdown?: boolean;
  quiet?: boolean;
  reporter?: ReporterName;
  reportFile?: string;
  html?: string;
  expect?: string;
  writeExpect?: string;
  force?: boolean;
  traces?: boolean;
  traceDir?: string;
  workers?: number;
  /** --por / --no-por (absent: off); --no-symmetry (true unless turned off). */
  por?: boolean;
  symmetry?: boolean;
  preemptionBound?: number;
  shortest?: boolean;
  /** --reference: recipes under immer's produce (the reference semantics), in any search. */
  reference?: boolean;
  /** Commander's --no-deadlock: false when the user opted out of the deadlock check by name. */
  deadlock?: boolean;
  /** Commander's --no-livelock: false when the user opted out of the built-in livelock check by name. */
  livelock?: boolean;
  coverage?: boolean;
  /** --memory sc|tso and --store-buffer K: the memory-model parameters of a model with shared memory. */
  memory?: string;
  storeBuffer?: number;
  /** --checkpoint DIR, --checkpoint-every (ms). */
  checkpoint?: string;
  checkpointEvery?: number;
  /** --redis URL: the distributed search (src/distributed), this process its coordinator. */
  redis?: string;
  redisClaimAfter?: number;
  redisShards?: number;
}

/** --workers: a positive count, or 0 with --redis (no local workers: they run elsewhere). */
function parseWorkers(v: string): number {
  return v.trim() === '0' ? 0 : parseCount('--workers')(v);
}

/**
 * The properties to check: --property's, or all; --no-deadlock drops deadlock freedom and
 * --no-livelock the livelock check (each by name, never silently; the output lists what ran).
 */
export function propertySelection(entry: ModelEntry, opts: Pick<CheckCliOptions, 'property' | 'deadlock' | 'livelock'>): string[] {
  const all = withBuiltinLiveness(entry.properties);
  const off = [
    ...(opts.deadlock === false ? [{ flag: '--no-deadlock', drops: (p: Property) => p.kind === 'deadlock' }] : []),
    ...(opts.livelock === false ? [{ flag: '--no-livelock', drops: (p: Property) => p.kind === 'liveness' && p.form === 'livelock' }] : []),
  ];
  if (off.length === 0) return opts.property;
  for (const o of off) {
    const dropped = all.filter(o.drops).map((p) => p.name);
    const asked = opts.property.find((n) => dropped.includes(n));
    if (asked !== undefined) throw new UsageError(`${o.flag} and --property ${asked} contradict each other`);
  }
  const names = opts.property.length ? opts.property : all.filter((p) => !off.some((o) => o.drops(p))).map((p) => p.name);
  if (names.length === 0) throw new UsageError(`${off.map((o) => o.flag).join(' ')}: ${entry.model.name} has no other property to check`);
  return names;
}

/**
 * --memory and --store-buffer as the model's memory parameters (memoryParams in
 * src/kernel/memory.ts); a model without shared memory is sequentially consistent, so asking for
 * another memory model there is an error rather than a silent no-op.
 */
export function memoryParamArgs(entry: ModelEntry, params: Record<string, string>, opts: Pick<CheckCliOptions, 'memory' | 'storeBuffer'>): Record<string, string> {
  const declares = Object.hasOwn(entry.model.params, 'memory') && Object.hasOwn(entry.model.params, 'storeBuffer');
  const out = { ...params };
  if (opts.memory !== undefined) {
    const i = (MEMORY_MODELS as readonly string[]).indexOf(opts.memory);
    if (i < 0) throw new UsageError(`--memory expects ${MEMORY_MODELS.slice(0, -1).join(', ')} or ${MEMORY_MODELS.at(-1)}, not '${opts.memory}'`);
    if (!declares) {
      if (opts.memory !== 'sc') throw new UsageError(`--memory ${opts.memory}: model ${entry.model.name} declares no shared memory (every field is sequentially consistent); see docs/model-api.md, "Shared memory and memory models"`);
    } else {
      if (Object.hasOwn(params, 'memory')) throw new UsageError('--memory and --param memory=... contradict each other: give one');
      out['memory'] = String(i);
    }
  }
  if (opts.storeBuffer !== undefined) {
    if (!declares) throw new UsageError(`--store-buffer: model ${entry.model.name} declares no shared memory, so it has no store buffers`);
    if (Object.hasOwn(params, 'storeBuffer')) throw new UsageError('--store-buffer and --param storeBuffer=... contradict each other: give one');
    out['storeBuffer'] = String(opts.storeBuffer);
  }
  return out;
}

function parsePreemptionBound(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new UsageError(`--preemption-bound expects a whole number of preemptions (0, 1, 2...), not '${v}'`);
  return Number(v.trim());
}

export function registerCheck(program: Command, io: Io, setExit: (code: number) => void, registry: ModelRegistry): void {
  program
    .command('check')
    .description('explore every interleaving of a model; exit 0 verified, 1 violated, 2 bad usage or broken model, 3 incomplete')
    .argument('[models...]', 'a model file (./models/x.ts: default export the model, named export `properties`) or a bundled model name (see kmc list)')
    .option('--all', 'check every variant: of the models given, or of every bundled model')
    .option('--variant <name>', 'the variant to check (default: the model\'s first)')
    .option('--param <name=value>', 'set a parameter, e.g. --param cpus=3 (repeatable)', collect, [])
    .option('--property <name>', 'check only this property (repeatable)', collect, [])
    .option('--max-states <n>', 'stop after this many distinct states (reported incomplete)', parseCount('--max-states'))
    .option('--max-time <duration>', 'stop after this long, e.g. 60s or 5m (reported incomplete)', parseDuration('--max-time'))
    .option('--max-depth <n>', 'do not expand states deeper than this (reported incomplete)', parseCount('--max-depth'))
    .option('--max-memory <size>', 'stop before the process uses this much memory, e.g. 4G (reported incomplete)', parseBytes('--max-memory'))
    .option('--first', 'stop at the first violation found')
    .option('--no-deadlock', 'do not check deadlock freedom (checked by default, whether or not the properties list it)')
    .option('--no-livelock', 'do not check the built-in livelock property (checked by default: no fair cycle in which an unfinished thread never makes progress)')
    .option('--por', 'partial-order reduction: fewer interleavings of independent steps, same verdicts; off by default (1.0-1.25× fewer states on the bundled models, measured: README), and it runs in one worker')
    .option('--no-por', 'no partial-order reduction (the default)')
    .option('--no-symmetry', 'no symmetry reduction (on by default for models that declare interchangeable CPUs or tasks, where no liveness property is checked: liveness needs the whole graph)')
    .option('--preemption-bound <k>', 'explore only interleavings with at most k preemptions (as CHESS and loom); never reports verified', parsePreemptionBound)
    .option('--shortest', 'with --por: make counterexamples shortest (re-searches without partial-order reduction up to their length)')
    .option(
      '--workers <n>',
      `worker threads sharing the search (default: one per core, here ${defaultWorkers()}); symmetry and --preemption-bound run in parallel, --por takes one worker`,
      parseWorkers,
    )
    .option('--redis <url>', 'distributed search on Redis (redis://host:port, rediss:// for TLS, a server or a Cluster node): this process coordinates, --workers local worker processes (0: none) and any `kmc worker --redis URL` join; rerunning the same command resumes the run')
    .option('--redis-claim-after <duration>', 'with --redis: a chunk held this long by a worker is taken over by another (default 30s)', parseDuration('--redis-claim-after'))
    .option('--redis-shards <n>', 'with --redis: parts of the visited set, spread over the cluster\'s slots (default 16)', parseCount('--redis-shards'))
    .option('--reference', "run every step's recipe under immer's produce on the plain state (the reference semantics) instead of the fast path, to check the fast path against it (any number of workers)")
    .option('--memory <model>', `the memory model of the shared fields of a model that declares shared memory: ${MEMORY_MODELS.join(', ')} (default: the model's own, sc unless it says otherwise); every other field is sequentially consistent`)
    .option('--store-buffer <k>', 'with --memory tso or lkmm: store-buffer entries per CPU (default: the model\'s, 2 unless it says otherwise); a run whose stores found a buffer full is never verified', parseCount('--store-buffer'))
    .option('--checkpoint <dir>', 'save the search into this directory now and then (and when stopped by Ctrl-C, SIGTERM, --max-time or --max-memory), to continue it with kmc resume DIR (the parallel search saves at the end of a level, and resumes with any --workers)')
    .option('--checkpoint-every <duration>', `with --checkpoint: how often, e.g. 30s or 10m (default ${DEFAULT_CHECKPOINT_EVERY_MS / 60_000}m)`, parseDuration('--checkpoint-every'))
    .option('--coverage', 'report how often each step of each thread ran and which never did (SPIN\'s "unreached"), and which properties were not exercised')
    .option('--json', 'print one machine-readable JSON result')
    .option('--markdown', "with --all: print the results as the README's Markdown table")
    .option('--quiet', 'no progress output')
    .option('--trace-dir <dir>', 'write an ITF trace file (*.itf.json) for every violation into this directory', DEFAULT_TRACE_DIR)
    .option('--no-traces', 'do not write trace files')
    .option('--html <file>', 'write the counterexamples as a self-contained HTML page (swimlanes per thread)')
    .option('--reporter <format>', `CI report, one result per model × variant × property: ${REPORTERS.join(', ')}`, parseReporter)
    .option('--report-file <file>', 'write the --reporter output to this file instead of stdout')
    .option('--expect <file>', 'compare every verdict and distinct-state count with this expectations file; exit 0 only if all match')
    .option('--write-expect <file>', 'write the expectations file from this run (review it, then keep it); refuses to drop runs an existing file covers unless --force')
    .option('--force', 'replace an output file of another kind, or an expectations file covering runs this one does not')
    .action(async (names: string[], opts: CheckCliOptions) => {
      checkReportingOptions(opts);
      if (opts.json && opts.reporter && !opts.reportFile)
        throw new UsageError('--json and --reporter both print a document on stdout; give --report-file FILE for the --reporter output, or leave one out');
      if (opts.html !== undefined && opts.all) throw new UsageError('--html goes with a single model, not --all');
      if (opts.html === '') throw new UsageError('--html: the file name is empty');
      if (opts.traceDir === '') throw new UsageError('--trace-dir: the directory name is empty');
      if (opts.checkpointEvery !== undefined && opts.checkpoint === undefined) throw new UsageError('--checkpoint-every goes with --checkpoint DIR');
      if (opts.checkpoint === '') throw new UsageError('--checkpoint: the directory name is empty');
      if (opts.all) {
        if (opts.memory !== undefined || opts.storeBuffer !== undefined) throw new UsageError('--memory and --store-buffer go with a single model, not --all');
        if (opts.checkpoint !== undefined) throw new UsageError('--checkpoint goes with a single model, not --all');
        if (opts.redis !== undefined || opts.workers === 0) throw new UsageError('--redis checks a single model and variant, not --all');
        if (opts.variant || opts.param.length || opts.property.length || opts.deadlock === false || opts.livelock === false)
          throw new UsageError('kmc check --all checks every variant at its defaults; --variant, --param, --property, --no-deadlock and --no-livelock go with a single model');
        // --all alone: every bundled model; with model files (or names): every variant of each.
        const entries = names.length ? await loadModels(names, registry) : await loadAll(registry);
        setExit(await checkAll(io, registry, opts, entries));
        return;
      }
      if (opts.markdown) throw new UsageError('--markdown goes with --all');
      if (names.length > 1) throw new UsageError(`kmc check: ${names.length} models given; add --all to check every variant of each`);
      const name = names[0];
      if (!name) throw new UsageError(`kmc check: name a model (${registry.models.map((m) => m.name).join(', ')}) or a model file, or use --all`);
      const entry = await loadModel(name, registry);
      const params = memoryParamArgs(entry, parseParamArgs(opts.param), opts);
      if (opts.workers === 0 && opts.redis === undefined) throw new UsageError('--workers 0 goes with --redis (the workers then run elsewhere: kmc worker --redis URL)');
      if (opts.redis !== undefined) {
        setExit(await checkDistributed(io, registry, entry, opts, params));
        return;
      }
      if (opts.redisClaimAfter !== undefined || opts.redisShards !== undefined) throw new UsageError('--redis-claim-after and --redis-shards go with --redis');
      let checkpoint: CheckpointFlags | undefined;
      if (opts.checkpoint !== undefined) {
        refuseUsedDirectory(opts.checkpoint);
        checkpoint = { dir: resolve(opts.checkpoint), everyMs: opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY_MS };
      }
      const { result, model } = await runCheck(entry, { ...limits(opts), variant: opts.variant, params, property: propertySelection(entry, opts), registry: registry.module, io, checkpoint });
      setExit(reportOne(io, entry, result, model, opts));
    });
}

async function checkDistributed(io: Io, registry: ModelRegistry, entry: ModelEntry, opts: CheckCliOptions, params: Record<string, string>): Promise<number> {
  if (opts.por) throw new UsageError('--redis does not do partial-order reduction (it needs the whole visited set at each expansion): leave --por out');
  if (opts.reference) throw new UsageError('--reference is not run by the distributed search (--redis): leave one out');
  if (opts.maxMemory !== undefined) throw new UsageError('--max-memory bounds one process; with --redis the visited set is in Redis (bound it with Redis\'s maxmemory): leave --max-memory out');
  if (opts.checkpoint !== undefined) throw new UsageError('--checkpoint writes one machine\'s search to disk; a --redis run is kept in Redis itself (rerun the same command to resume it): leave one out');
  const quiet = opts.quiet === true || opts.json === true || (opts.reporter !== undefined && !opts.reportFile);
  // Loaded only for --redis: it brings the Redis client (about 0.09 s of CPU to load: bench/startup.ts).
  const { runDistributed } = await import('../run-distributed.js');
  const { result, model, lost } = await runDistributed(entry, {
    redis: opts.redis!,
    workers: opts.workers ?? defaultWorkers(),
    claimAfterMs: opts.redisClaimAfter,
    shards: opts.redisShards,
    variant: opts.variant,
    params,
    property: propertySelection(entry, opts),
    symmetry: opts.symmetry !== false,
    preemptionBound: opts.preemptionBound,
    maxDepth: opts.maxDepth,
    maxStates: opts.maxStates,
    maxTimeMs: opts.maxTime,
    first: opts.first,
    quiet,
    silent: opts.quiet === true,
    io,
    registry,
  });
  if (lost !== undefined) {
    io.err(`kmc: ${lost}`);
    return 3;
  }
  return reportOne(io, entry, result, model, opts);
}

/** Print and write what one check found (kmc check on one model, kmc resume); returns the exit code. */
export function reportOne(io: Io, entry: ModelEntry, result: CheckResult, model: CompiledModel | undefined, opts: CheckCliOptions): number {
  const coverage = opts.coverage === true;
  if (opts.json) io.out(JSON.stringify(resultToJson(result, model, { coverage }), null, 2));
  else if (!(opts.reporter && !opts.reportFile)) io.out(renderResult(model, result, { coverage }));
  emitTraceFiles(opts, entry.source, model, result, io, !opts.json && !(opts.reporter && !opts.reportFile));
  if (opts.html) writeHtml(opts.html, result, model, io, opts.force, coverage);
  const override = emitReports([{ result, model, source: displayPath(entry.source) }], opts, io);
  if (opts.checkpoint !== undefined) afterCheckpointedRun(resolve(opts.checkpoint), result, io);
  return override ?? exitCodeOf(result);
}

export function limits(opts: CheckCliOptions): Omit<RunCheckOptions, 'io'> {
  return {
    ...limitsFromFlags(opts),
    workers: opts.workers,
    por: opts.por,
    symmetry: opts.symmetry,
    preemptionBound: opts.preemptionBound,
    shortest: opts.shortest,
    reference: opts.reference,
    quiet: opts.quiet === true || opts.json === true || (opts.reporter !== undefined && !opts.reportFile),
  };
}

/** Exit code of several results: an error beats a violation beats incomplete beats verified. */
export function combinedExit(results: readonly CheckResult[]): number {
  const codes = results.map(exitCodeOf);
  for (const c of [2, 1, 3]) if (codes.includes(c)) return c;
  return 0;
}

async function checkAll(io: Io, registry: ModelRegistry, opts: CheckCliOptions, entries: readonly ModelEntry[]): Promise<number> {
  // The runs side by side, a lane of the pool each (src/cli/run-all.ts); results in this order.
  const { runAll } = await import('../run-all.js');
  const runs = entries.flatMap((entry) => Object.keys(entry.model.variants).map((variant) => ({ entry, variant })));
  const { outcomes: results, cut } = await runAll(runs, { ...limits(opts), workers: workersFor(opts), registry: registry.module, io }, ({ entry, result, model }) => {
    emitTraceFiles(opts, entry.source, model, result, io, false);
    if (!opts.json && !opts.markdown && !opts.reporter && !opts.quiet) io.err(headline(result));
  });
  if (opts.json) {
    io.out(JSON.stringify(results.map((r) => resultToJson(r.result, r.model, { coverage: opts.coverage === true })), null, 2));
  } else if (opts.reporter && !opts.reportFile) {
    // the report is the output
  } else if (opts.markdown) {
    io.out(renderMarkdown(results));
  } else {
    const rows = results.map(({ result: r }) => [
      r.run.model,
      r.run.variant,
      r.status,
      r.status === 'error' ? '-' : thousands(r.stats.states),
      r.status === 'error' ? '-' : seconds(r.stats.timeMs),
      r.status === 'violated' ? r.violations.map((v) => `${v.property} (${v.path.length} steps)`).join(', ') : r.status === 'error' ? r.message : '',
      notExercised(r).map((p) => p.name).join(', '),
    ]);
    io.out(renderTable(['model', 'variant', 'verdict', 'states', 'time', 'violated (trace length)', 'holds, not exercised'], rows, [24, 18, 10, 12, 10, 50, 30]));
    if (opts.coverage) for (const { result: r } of results) io.out(`\n${r.run.model} --variant ${r.run.variant}: ${renderCoverage(r)}`);
    io.out(checkedProperties(results));
  }
  const override = emitReports(results.map((r) => ({ result: r.result, model: r.model, source: displayPath(r.entry.source) })), opts, io);
  // Cut short (Ctrl-C, SIGTERM): models were left unchecked, so the run as a whole is incomplete (3)
  // whatever the ones before found; an error still says 2.
  if (cut) return results.some((r) => r.result.status === 'error') ? 2 : 3;
  return override ?? combinedExit(results.map((r) => r.result));
}


/**
 * Which properties each model's runs checked (every run says so; no silent weakening): the names
 * in the results, so that the built-in ones (deadlock, livelock) and a --property selection show
 * as they were checked, not as the model declares them.
 */
export function checkedProperties(runs: readonly { entry: ModelEntry; result: CheckResult }[]): string {
  const byEntry = new Map<ModelEntry, string[]>();
  for (const { entry, result } of runs) {
    const names = byEntry.get(entry) ?? [];
    byEntry.set(entry, names);
    if (result.status === 'error') continue;
    for (const p of result.properties) if (!names.includes(p.name)) names.push(p.name);
  }
  const lines = ['Properties checked:'];
  for (const [e, names] of byEntry) lines.push(`  ${e.model.name}: ${names.length > 0 ? names.join(', ') : 'none (every run stopped with an error)'}`);
  return lines.join('\n');
}

function writeHtml(file: string, result: CheckResult, model: CompiledModel | undefined, io: Io, force: boolean | undefined, coverage: boolean): void {
  const title = `kmc: ${headline(result)}`;
  const traces = result.status === 'violated' && model ? result.violations.map((violation) => ({ model, violation })) : [];
  // Every verdict ("holds, not exercised" included), and with --coverage the steps that ran.
  const verdicts = result.status === 'error' ? [] : result.properties.map((p) => `${verdictWord(p)}: ${p.name}${p.status === 'holds' && p.notExercised ? ` (${p.notExercised})` : ''}`);
  const summary = [...verdicts, ...(coverage ? ['', renderCoverage(result)] : [])].join('\n');
  writeOutputFile(file, renderHtml(traces, title, summary), { what: '--html file', named: true, force, sameKind: isKmcHtml, kind: 'a kmc HTML page' });
  io.err(`kmc: wrote ${file} (${traces.length} counterexample${traces.length === 1 ? '' : 's'})`);
}
