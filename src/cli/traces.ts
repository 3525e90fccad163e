// Trace files for `kmc check`: one ITF file per violation (default directory traces/), named
// after the model, variant, changed parameters and property, so a rerun overwrites its own
// files and nothing else.

import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { CompiledModel } from '../model/compile.js';
import { defaultParams } from '../model/params.js';
import type { CheckResult, Violation } from '../engine/result.js';
import { expandPath } from '../trace/expand.js';
import { encodeTrace, traceFileName, traceToText } from '../trace/itf.js';
import type { Io } from './io.js';

export interface WrittenTrace {
  property: string;
  file: string;
}

export function writeTraceFiles(dir: string, source: string, model: CompiledModel | undefined, result: CheckResult): WrittenTrace[] {
  if (result.status !== 'violated' || !model) return [];
  return result.violations.map((v) => writeViolationTrace(dir, source, model, v));
}

/** Write one violation's trace file (check and simulate both use it). */
export function writeViolationTrace(dir: string, source: string, model: CompiledModel, v: Violation): WrittenTrace {
  mkdirSync(dir, { recursive: true });
  const defaults = defaultParams(model.def);
  const changed = Object.fromEntries(Object.entries(model.params).filter(([k, x]) => defaults[k] !== x));
  const trace = expandPath(model, v.path);
  const itf = encodeTrace(model, trace, { source, modelRef: isAbsolute(source) ? source : model.name, violation: { property: v.property, kind: v.kind, message: v.message, step: v.path.length } });
  const file = join(dir, traceFileName(model.name, model.variant, changed, v.property));
  writeFileSync(file, traceToText(itf));
  return { property: v.property, file };
}

export function renderWrittenTraces(files: readonly WrittenTrace[]): string {
  if (files.length === 0) return '';
  return ['Trace files (open with any ITF viewer; replay with kmc replay FILE):', ...files.map((f) => `  ${f.property}: ${f.file}`)].join('\n');
}

export interface TraceFileOptions {
  /** False with --no-traces. */
  traces?: boolean;
  traceDir?: string;
}

/** Write the trace files of one check result and name them (on stdout with the text report, else on stderr). */
export function emitTraceFiles(o: TraceFileOptions, source: string, model: CompiledModel | undefined, result: CheckResult, io: Io, toStdout: boolean): WrittenTrace[] {
  if (o.traces === false) return [];
  const files = writeTraceFiles(o.traceDir ?? DEFAULT_TRACE_DIR, source, model, result);
  if (files.length === 0) return files;
  if (toStdout) io.out(renderWrittenTraces(files));
  else io.err(renderWrittenTraces(files));
  return files;
}

export const DEFAULT_TRACE_DIR = 'traces';
