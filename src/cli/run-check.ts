// Runs one check for the CLI: compiles the model, wires progress output, returns the result
// with the compiled model (the report needs it to expand counterexample paths).

import type { ModelEntry } from '../../models/index.js';
import { compileModel, type CompiledModel } from '../model/compile.js';
import { check } from '../engine/check.js';
import type { CheckResult } from '../engine/result.js';
import type { Progress } from '../engine/search.js';
import { ModelError } from '../util/errors.js';
import { bytes, seconds, thousands } from '../util/format.js';
import type { Io } from './io.js';

export interface RunCheckOptions {
  variant?: string | undefined;
  params?: Record<string, string>;
  property?: string[];
  maxStates?: number | undefined;
  maxTimeMs?: number | undefined;
  maxDepth?: number | undefined;
  maxMemory?: number | undefined;
  first?: boolean | undefined;
  quiet?: boolean;
  io: Io;
}

export async function runCheck(entry: ModelEntry, o: RunCheckOptions): Promise<{ result: CheckResult; model: CompiledModel | undefined }> {
  let model: CompiledModel | undefined;
  try {
    model = compileModel(entry.model, { variant: o.variant, params: o.params ?? {} });
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
    // Usage errors (bad variant/param) propagate; a model that fails to build is reported.
  }
  const result = check(entry.model, entry.properties, {
    variant: o.variant,
    params: o.params ?? {},
    property: o.property,
    maxStates: o.maxStates,
    maxTimeMs: o.maxTimeMs,
    maxDepth: o.maxDepth,
    maxMemory: o.maxMemory,
    first: o.first,
    ...(o.quiet ? {} : { onProgress: progressPrinter(o.io) }),
  });
  return { result, model };
}

/** A status line about once a second on a terminal; a plain line every few seconds otherwise. */
export function progressPrinter(io: Io): (p: Progress) => void {
  let last = 0;
  return (p) => {
    const line = `${thousands(p.states)} states, ${thousands((p.states / p.elapsedMs) * 1000)} states/s, queue ${thousands(p.queue)}, depth ${p.depth}, ${seconds(p.elapsedMs)}, ${bytes(p.rss)}`;
    if (io.isTTY) io.err(`\r\x1b[K${line}\r`);
    else if (p.elapsedMs - last >= 5000) {
      last = p.elapsedMs;
      io.err(`progress: ${line}`);
    }
  };
}
