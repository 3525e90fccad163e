// Trace files for `kmc check`: one ITF file per violation (default directory traces/), named
// after the model, variant, changed parameters and property, so a rerun overwrites its own
// files and nothing else.

import { isAbsolute, join } from 'node:path';
import type { CompiledModel } from '../model/compile.js';
import { defaultParams } from '../model/params.js';
import type { CheckResult, Violation } from '../engine/result.js';
import { traceOf } from '../trace/expand.js';
import { encodeTrace, traceFileName, traceToText } from '../trace/itf.js';
import type { Io } from './io.js';
import { makeOutputDir, writeOutputFile } from '../util/output-file.js';
import { displayPath } from '../util/display-path.js';

export interface WrittenTrace {
  property: string;
  file: string;
}

export function writeTraceFiles(dir: string, source: string, model: CompiledModel | undefined, result: CheckResult, force?: boolean): WrittenTrace[] {
  if (result.status !== 'violated' || !model) return [];
  return result.violations.map((v) => writeViolationTrace(dir, source, model, v, 'check', force));
}

/** Is this the beginning of a trace file kmc wrote (which a rerun may replace)? */
export function isKmcTrace(head: string): boolean {
  return /^\s*\{/.test(head) && head.includes('"kmc-trace"');
}

/**
 * Write one violation's trace file. check and simulate write different names (simulate's end
 * in `.simulate.itf.json`), so a random run never replaces a check's shortest counterexample.
 */
export function writeViolationTrace(dir: string, source: string, model: CompiledModel, v: Violation, command: 'check' | 'simulate', force?: boolean): WrittenTrace {
  makeOutputDir(dir, '--trace-dir');
  const defaults = defaultParams(model.def);
  const changed = Object.fromEntries(Object.entries(model.params).filter(([k, x]) => defaults[k] !== x));
  const trace = traceOf(model, v);
  // Paths relative to the working directory, so the file works on another checkout or a CI runner.
  const shown = displayPath(source);
  const itf = encodeTrace(model, trace, { source: shown, modelRef: isAbsolute(source) ? shown : model.name, violation: { property: v.property, kind: v.kind, message: v.message, step: v.path.length }, ...(v.loop !== undefined ? { loop: v.loop } : {}) });
  const name = traceFileName(model.name, model.variant, changed, v.property);
  const file = join(dir, command === 'check' ? name : name.replace(/\.itf\.json$/, '.simulate.itf.json'));
  writeOutputFile(file, traceToText(itf), { what: 'trace file', named: false, force, sameKind: isKmcTrace, kind: 'a kmc trace file' });
  return { property: v.property, file };
}

/** The list of written trace files, with the replay command that works for them (a model file is named with --model). */
export function renderWrittenTraces(files: readonly WrittenTrace[], source?: string): string {
  if (files.length === 0) return '';
  const how = source !== undefined && isAbsolute(source) ? `kmc replay FILE --model ${displayPath(source)}` : 'kmc replay FILE';
  return [`Trace files (open with any ITF viewer; replay with ${how}):`, ...files.map((f) => `  ${f.property}: ${f.file}`)].join('\n');
}

export interface TraceFileOptions {
  /** False with --no-traces. */
  traces?: boolean;
  traceDir?: string;
  force?: boolean;
}

/** Write the trace files of one check result and name them (on stdout with the text report, else on stderr). */
export function emitTraceFiles(o: TraceFileOptions, source: string, model: CompiledModel | undefined, result: CheckResult, io: Io, toStdout: boolean): WrittenTrace[] {
  if (o.traces === false) return [];
  const files = writeTraceFiles(o.traceDir ?? DEFAULT_TRACE_DIR, source, model, result, o.force);
  if (files.length === 0) return files;
  if (toStdout) io.out(renderWrittenTraces(files, source));
  else io.err(renderWrittenTraces(files, source));
  return files;
}

export const DEFAULT_TRACE_DIR = 'traces';
