// kmc resume DIR: continue a check started with kmc check --checkpoint DIR from its newest sound
// checkpoint (an older one when the newest is torn), with the same model, variant, parameters,
// properties, bounds and reductions, which the checkpoint records. A checkpoint whose model file
// (source hash), variant, parameters, properties or kmc version differ from what would run now
// is refused (exit 2), naming what differs. Output and exit codes are kmc check's.

import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ModelRegistry } from '../../property/registry.js';
import { UsageError } from '../../util/errors.js';
import { commonHeader } from '../../engine/checkpoint/header.js';
import { ownKey as own } from '../../util/own.js';
import type { Io } from '../io.js';
import { loadModel } from '../../property/load-model.js';
import { parseBytes, parseCount, parseDuration } from '../options.js';
import { runCheck } from '../run-check.js';
import { DEFAULT_TRACE_DIR } from '../traces.js';
import { chooseCheckpoint, DEFAULT_CHECKPOINT_EVERY_MS, describeResume, type CheckpointRun } from '../checkpoint.js';
import { limits, reportOne, type CheckCliOptions } from './check.js';

interface ResumeCliOptions {
  workers?: number;
  maxStates?: number;
  maxTime?: number;
  maxMemory?: number;
  checkpointEvery?: number;
  json?: boolean;
  quiet?: boolean;
  coverage?: boolean;
  traces?: boolean;
  traceDir?: string;
}

/** The checkpoint's record of the run, checked field by field (it is data read from disk). */
function runRecord(raw: unknown, file: string): CheckpointRun {
  const bad = (what: string) => new UsageError(`kmc resume: ${file}: the checkpoint's run record is malformed (${what})`);
  if (typeof raw !== 'object' || raw === null) throw bad('not an object');
  const r = raw as Record<string, unknown>;
  const str = (k: string) => {
    const v = own(r, k);
    if (typeof v !== 'string') throw bad(k);
    return v;
  };
  const num = (k: string) => {
    const v = own(r, k);
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) throw bad(k);
    return v as number | undefined;
  };
  const params = own(r, 'params');
  if (typeof params !== 'object' || params === null || Object.values(params).some((v) => typeof v !== 'string')) throw bad('params');
  const property = own(r, 'property');
  if (!Array.isArray(property) || property.some((p) => typeof p !== 'string')) throw bad('property');
  return {
    model: str('model'),
    variant: str('variant'),
    params: { ...(params as Record<string, string>) },
    property: property as string[],
    maxStates: num('maxStates'),
    maxDepth: num('maxDepth'),
    first: own(r, 'first') === true,
    symmetry: own(r, 'symmetry') !== false,
    preemptionBound: num('preemptionBound'),
    reference: own(r, 'reference') === true,
    checkpointEveryMs: num('checkpointEveryMs'),
    workers: num('workers'),
  };
}

export function registerResume(program: Command, io: Io, setExit: (code: number) => void, registry: ModelRegistry): void {
  program
    .command('resume')
    .description('continue a check saved with kmc check --checkpoint DIR; refuses (exit 2) a checkpoint whose model file, variant, parameters, properties or kmc version differ; exit codes as kmc check')
    .argument('<dir>', 'the directory given to kmc check --checkpoint')
    .option('--workers <n>', 'worker threads for a checkpoint of the parallel search (default: as many as the run had); a checkpoint of the sequential search goes on in one', parseCount('--workers'))
    .option('--max-states <n>', 'stop after this many distinct states in all (default: the run\'s own bound; give a larger one to go on after a run stopped by --max-states)', parseCount('--max-states'))
    .option('--max-time <duration>', 'stop this session after this long (a final checkpoint is written; exit 3)', parseDuration('--max-time'))
    .option('--max-memory <size>', 'stop before the process uses this much memory (a final checkpoint is written; exit 3)', parseBytes('--max-memory'))
    .option('--checkpoint-every <duration>', 'how often to save (default: what the run started with)', parseDuration('--checkpoint-every'))
    .option('--json', 'print one machine-readable JSON result')
    .option('--quiet', 'no progress output')
    .option('--coverage', 'report how often each step ran and which properties were not exercised')
    .option('--trace-dir <dir>', 'write an ITF trace file for every violation into this directory', DEFAULT_TRACE_DIR)
    .option('--no-traces', 'do not write trace files')
    .action(async (dirArg: string, opts: ResumeCliOptions) => {
      const dir = resolve(dirArg);
      const file = chooseCheckpoint(dir, io);
      const header = commonHeader(file);
      const run = runRecord(header.run, dirArg);
      const entry = await loadModel(run.model, registry);
      const cli: CheckCliOptions = {
        param: [],
        property: run.property,
        json: opts.json,
        quiet: opts.quiet,
        coverage: opts.coverage,
        traces: opts.traces,
        traceDir: opts.traceDir,
        maxTime: opts.maxTime,
        maxMemory: opts.maxMemory,
        maxStates: opts.maxStates ?? run.maxStates,
        maxDepth: run.maxDepth,
        first: run.first,
        symmetry: run.symmetry,
        preemptionBound: run.preemptionBound,
        reference: run.reference,
        checkpoint: dir,
      };
      const everyMs = opts.checkpointEvery ?? run.checkpointEveryMs ?? DEFAULT_CHECKPOINT_EVERY_MS;
      const { result, model } = await runCheck(entry, {
        ...limits(cli),
        workers: header.kind === 'sequential' ? opts.workers : (opts.workers ?? run.workers),
        variant: run.variant,
        params: run.params,
        property: run.property,
        registry: registry.module,
        io,
        checkpoint: { dir, everyMs, resumeFrom: file.path, kind: header.kind, onAccepted: () => (opts.quiet || opts.json ? undefined : io.err(describeResume(file))) },
      });
      setExit(reportOne(io, entry, result, model, cli));
    });
}
