// kmc replay <trace.itf.json | model path>
//
//   kmc replay traces/abba--abba--deadlock.itf.json          re-execute and check a trace file
//   kmc replay traces/abba--abba--deadlock.itf.json --variant ordered   ... on the patched variant
//   kmc replay abba 0/1 --variant abba                       replay a bare path
//   kmc replay traces/abba--abba--deadlock.itf.json --json     one JSON document (schemas/kmc-replay.schema.json)
//
// Exit: 0 no property violated along the replay (on another variant: the interleaving no
// longer breaks the trace's property), 1 a property is violated along it, 2 bad usage, a
// malformed trace file or one that does not match its model, 3 the cross-variant match was
// inconclusive. --json keeps the exit codes; a trace file that does not match its model is then
// data in the document (the step where it diverged), and the error line still goes to stderr.

import { existsSync } from 'node:fs';
import { readInputFile } from '../../util/input-file.js';
import { writeOutputFile } from '../../util/output-file.js';
import { renderHtml } from '../../report/html.js';
import { isKmcHtml } from '../html-file.js';
import type { Command } from 'commander';
import { NO_MODELS, type ModelEntry, type ModelRegistry } from '../../property/registry.js';
import { compileModel, type CompiledModel } from '../../model/compile.js';
import { parseParamArgs } from '../../model/params.js';
import { propertiesOf } from '../../engine/check.js';
import { parsePath } from '../../engine/chooser.js';
import { selectProperties } from '../../engine/evaluate.js';
import { describeStop, followLasso, replayOnVariant, replayPath, replayTraceFile, type ReplayRun, type VariantReplay } from '../../engine/replay.js';
import { inconclusive } from '../../trace/cross-variant.js';
import { decodeTrace, TraceFileError, type DecodedTrace } from '../../trace/itf.js';
import type { Property } from '../../property/types.js';
import { withBuiltinLiveness } from '../../property/liveness.js';
import { renderReplay, renderVariantReplay, violationLine } from '../../report/replay.js';
import { replayToJson, type Divergence, type ReplayJsonInput } from '../../report/replay-json.js';
import { VERSION } from '../version.js';
import { ModelError, UsageError } from '../../util/errors.js';
import type { Io } from '../io.js';
import { displayPath } from '../../util/display-path.js';
import { errorLine } from '../error-line.js';
import { loadModel } from '../../property/load-model.js';
import { collect } from '../options.js';
import { stepThrough, terminalKeys, type KeySource } from '../stepper.js';

export interface ReplayCliOptions {
  variant?: string;
  param: string[];
  property: string[];
  model?: string;
  step?: boolean;
  html?: string;
  json?: boolean;
  force?: boolean;
  /** A lasso's loop index (liveness counterexamples), for a bare path. */
  loop?: number;
}

export function registerReplay(program: Command, io: Io, setExit: (code: number) => void, keys?: KeySource, registry: ModelRegistry = NO_MODELS): void {
  program
    .command('replay')
    .description('re-execute a trace file (checking every state) or a replay path; with --variant, run a trace on another (patched) variant. Exit 0 no violation, 1 violated, 2 bad usage or a trace that does not match, 3 inconclusive')
    .argument('<trace-or-model>', 'a trace file (*.itf.json) written by kmc check, or a model name or module path followed by a path')
    .argument('[path]', 'with a model: the choice index at each step, e.g. 0/2/1/1')
    .option('--variant <name>', "with a path: the model's variant; with a trace file: run the trace on this variant (the patch)")
    .option('--param <name=value>', 'with a path: set a parameter (repeatable); a trace file fixes its own', collect, [])
    .option('--property <name>', 'evaluate only this property along the replay (repeatable)', collect, [])
    .option('--model <name|path>', 'the model a trace file is for (default: the bundled model it names; a model file is loaded only when named here, never from the trace file)')
    .option('--step', 'show one step at a time (on a terminal: Enter for the next step, q to quit)')
    .option('--html <file>', 'also write the replayed trace as a self-contained HTML page')
    .option('--loop <k>', 'with a path: a lasso (a liveness counterexample) whose steps after step k loop back to the state after step k; checks that it does and which liveness properties it breaks (a trace file gives its own "loop")', parseLoop)
    .option('--json', 'print one machine-readable JSON document (schemas/kmc-replay.schema.json); same exit codes')
    .option('--force', 'replace an --html file that is not a kmc page')
    .action(async (target: string, path: string | undefined, opts: ReplayCliOptions) => {
      if (opts.html === '') throw new UsageError('kmc replay --html: the file name is empty');
      if (opts.json && opts.step) throw new UsageError('kmc replay: --step shows a trace one step at a time; leave it out with --json');
      if (path !== undefined) {
        if (opts.model) throw new UsageError('kmc replay: --model goes with a trace file; with a path, name the model first');
        setExit(await replayBarePath(io, registry, target, path, opts, keys));
        return;
      }
      setExit(await replayFile(io, registry, target, opts, keys));
    });
}

async function replayBarePath(io: Io, registry: ModelRegistry, name: string, pathText: string, opts: ReplayCliOptions, keys?: KeySource): Promise<number> {
  const entry = await loadModel(name, registry);
  const path = parsePath(pathText);
  const model = compileModel(entry.model, { variant: opts.variant, params: parseParamArgs(opts.param) });
  const run = replay(entry, model, opts.property, path);
  if (opts.loop !== undefined && !run.stop && !run.error) {
    const all = propertiesOf(entry.properties);
    const problem = followLasso(run, all, selectProperties(withBuiltinLiveness(entry.properties), opts.property, model.name), opts.loop);
    if (problem) {
      io.err(`kmc: the path is no lasso on ${model.name} variant ${model.variant} with the loop after step ${opts.loop}: ${problem}`);
      return 2;
    }
    io.err(`kmc: the lasso loops: the state after step ${run.path.length} is the state after step ${opts.loop}`);
  }
  const code = run.stop ? 2 : exitOf(run);
  if (opts.json) {
    if (opts.html) writeReplayHtml(opts.html, run, io, opts.force);
    printJson(io, { exitCode: code, run });
  } else await show(io, run, opts, keys);
  if (run.stop) io.err(`kmc: the path does not replay on ${model.name} variant ${model.variant}: ${describeStop(run.stop)}`);
  return code;
}

function printJson(io: Io, input: Omit<ReplayJsonInput, 'version'>): void {
  io.out(JSON.stringify(replayToJson({ ...input, version: VERSION }), null, 2));
}

function replay(entry: ModelEntry, model: CompiledModel, property: string[], path: number[]): ReplayRun {
  const all = propertiesOf(entry.properties);
  return replayPath(model, all, selectProperties(withBuiltinLiveness(entry.properties), property, model.name), path);
}

function parseLoop(v: string): number {
  if (!/^\d+$/.test(v)) throw new UsageError(`--loop ${v}: the step after which the loop starts, a count (0 for a loop from the initial state)`);
  return Number(v);
}


async function show(io: Io, run: ReplayRun, opts: ReplayCliOptions, keys: KeySource | undefined, file?: string): Promise<void> {
  if (opts.html) writeReplayHtml(opts.html, run, io, opts.force);
  if (opts.step) {
    if (keys) {
      await stepThrough(run, io, keys, file);
      return;
    }
    if (process.stdin.isTTY) {
      const k = terminalKeys();
      try {
        await stepThrough(run, io, k.next, file);
      } finally {
        k.close();
      }
      return;
    }
    io.err('kmc: --step needs a terminal on stdin; showing the whole trace');
  }
  io.out(renderReplay(run, file));
}

/** The replayed trace as a page: up to the first violation, or the whole path when none. */
function writeReplayHtml(out: string, run: ReplayRun, io: Io, force?: boolean): void {
  const first = run.violations[0];
  const ran = run.trace.steps.length;
  const page = first
    ? renderHtml(
        [{ model: run.model, violation: { property: first.property.name, kind: first.property.kind, path: run.path.slice(0, first.step), message: first.message, ...(first.blocked ? { blocked: first.blocked } : {}) } }],
        `kmc replay: ${run.model.name} --variant ${run.model.variant}`,
      )
    : renderHtml([{ model: run.model, path: run.path.slice(0, ran) }], `kmc replay: ${run.model.name} --variant ${run.model.variant}`);
  writeOutputFile(out, page, { what: '--html file', named: true, force, sameKind: isKmcHtml, kind: 'a kmc HTML page' });
  io.err(`kmc: wrote ${out}`);
}

function exitOf(run: ReplayRun): number {
  if (run.error) return 2;
  return run.violations.length > 0 ? 1 : 0;
}

export function readTraceFile(file: string, registry: ModelRegistry): DecodedTrace {
  if (!existsSync(file)) {
    if (registry.models.some((m) => m.name === file))
      throw new UsageError(`kmc replay ${file}: give a replay path after the model (e.g. kmc replay ${file} 0/2/1/1), or a trace file`);
    throw new UsageError(`kmc replay: no trace file at ${file} (to replay a path, give a model and the path: kmc replay <model> 0/2/1/1)`);
  }
  return decodeTrace(readInputFile(file, 'trace file'), file);
}

/**
 * The model a trace file is for: the model named on the command line (--model), else the bundled
 * model the file names. A trace file is data: the source module it records is never loaded (a
 * crafted file would otherwise run code); a model that is not bundled must be named by the user.
 */
export async function modelForTrace(t: DecodedTrace, registry: ModelRegistry, given?: string): Promise<ModelEntry> {
  let entry: ModelEntry;
  if (given) entry = await loadModel(given, registry);
  else if (registry.models.some((m) => m.name === t.meta.model)) entry = await loadModel(t.meta.model, registry);
  else
    throw new UsageError(
      `kmc replay: trace file ${t.file} is for model '${t.meta.model}', which is not bundled; kmc loads no code a trace file names: give the model file yourself with --model PATH${t.meta.source ? ` (the file says it came from ${t.meta.source})` : ''}`,
    );
  if (entry.model.name !== t.meta.model)
    throw new TraceFileError(`trace file ${t.file} was written for model '${t.meta.model}', not for '${entry.model.name}' (${displayPath(entry.source)})`);
  return entry;
}

export function compileFor(entry: ModelEntry, t: DecodedTrace, variant: string): CompiledModel {
  try {
    return compileModel(entry.model, { variant, params: t.meta.params });
  } catch (e) {
    if (e instanceof UsageError || e instanceof ModelError) throw new TraceFileError(`trace file ${t.file}: ${e.message}`);
    throw e;
  }
}

async function replayFile(io: Io, registry: ModelRegistry, file: string, opts: ReplayCliOptions, keys?: KeySource): Promise<number> {
  if (opts.param.length) throw new UsageError('kmc replay: a trace file fixes its parameters; --param goes with a bare path');
  const t = readTraceFile(file, registry);
  const entry = await modelForTrace(t, registry, opts.model);
  const all = propertiesOf(entry.properties);
  const selected = selectProperties(withBuiltinLiveness(entry.properties), opts.property, entry.model.name);
  const model = compileFor(entry, t, t.meta.variant);
  const onOwn = opts.variant === undefined || opts.variant === t.meta.variant;
  if (opts.step && !onOwn) throw new UsageError('kmc replay: --step shows a trace on its own variant; leave out --variant');
  // Resolve the target variant first: a variant the model lacks is bad usage, not a divergence.
  const target = onOwn ? undefined : compileFor(entry, t, opts.variant!);
  const json = (input: Omit<ReplayJsonInput, 'version' | 'file' | 'claimed'>) => printJson(io, { ...input, file, claimed: t.meta.violation });
  let run: ReplayRun;
  try {
    run = replayTraceFile(model, all, selected, t);
  } catch (e) {
    if (!opts.json || !(e instanceof TraceFileError)) throw e;
    const d = divergence(model, all, selected, t, e);
    json({ exitCode: 2, run: d.run, divergence: d.divergence });
    io.err(errorLine(e));
    return 2;
  }
  if (!target) {
    if (opts.json) {
      if (opts.html) writeReplayHtml(opts.html, run, io, opts.force);
      json({ exitCode: exitOf(run), run });
    } else await show(io, run, opts, keys, file);
    return exitOf(run);
  }
  if (run.error) {
    if (opts.json) json({ exitCode: 2, run });
    else io.out(renderReplay(run, file));
    return 2;
  }
  const vr = replayOnVariant(run, target, all, selected);
  const property = t.meta.violation?.property;
  const code = variantExit(vr, property);
  if (opts.json) {
    json({ exitCode: code, run, onVariant: { replay: vr, property } });
    return code;
  }
  const own = property ? run.violations.find((v) => v.property.name === property) : run.violations[0];
  io.out(
    [
      `Trace file ${file} replays on ${model.name} --variant ${model.variant} (${run.trace.steps.length} steps, every recorded state matches)${own ? `: ${violationLine(own)}` : ''}`,
      '',
      renderVariantReplay(run, vr, property ?? own?.property.name),
    ].join('\n'),
  );
  return code;
}

function variantExit(vr: VariantReplay, property: string | undefined): number {
  if (vr.run.error) return 2;
  const still = property ? vr.run.violations.some((v) => v.property.name === property) : vr.run.violations.length > 0;
  if (still) return 1;
  return inconclusive(vr.port.end) ? 3 : 0;
}

/**
 * Where a trace file that replayTraceFile rejected stops matching its model, as data: the path
 * re-run on the model, and the step the error names (verify.ts and replay.ts say where).
 */
function divergence(model: CompiledModel, all: readonly Property[], selected: readonly Property[], t: DecodedTrace, e: TraceFileError): { run: ReplayRun; divergence: Divergence } {
  const at = e.at ?? { kind: 'shape', step: null };
  return { run: replayPath(model, all, selected, t.meta.path), divergence: { ...at, message: e.message } };
}
