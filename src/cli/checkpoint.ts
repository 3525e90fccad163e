// kmc check --checkpoint DIR and kmc resume DIR: what the CLI adds to the engine's checkpoints
// (src/engine/checkpoint): the run's identity (model source hash, variant, parameters,
// properties, kmc version), a record of how to run the check again, the refusal of a
// checkpoint of another run, and what the user is told.

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckPlan } from '../engine/plan.js';
import type { CheckResult } from '../engine/result.js';
import { identityMismatch, runIdentity } from '../engine/run-identity.js';
import { checkpointFiles, latestCheckpoint, type CheckpointFile, type CheckpointKind } from '../engine/checkpoint/file.js';
import { commonHeader } from '../engine/checkpoint/header.js';
import type { CheckpointConfig } from '../engine/checkpoint/session.js';
import type { ModelEntry } from '../property/registry.js';
import { UsageError } from '../util/errors.js';
import { displayPath } from '../util/display-path.js';
import { seconds, thousands } from '../util/format.js';
import type { Io } from './io.js';
import { VERSION } from './version.js';

/** Five minutes, as TLC's default checkpoint interval is thirty. */
export const DEFAULT_CHECKPOINT_EVERY_MS = 5 * 60_000;

/** The CLI's checkpoint flags. */
export interface CheckpointFlags {
  dir: string;
  everyMs: number;
  /** kmc resume: the checkpoint file chosen (newest sound one). */
  resumeFrom?: string | undefined;
  /** kmc resume: the search it holds (the sequential one goes on in one worker, the parallel one with any number). */
  kind?: CheckpointKind | undefined;
  /** kmc resume: called once the checkpoint is known to be of this run (to say what it resumes). */
  onAccepted?: (() => void) | undefined;
}

/** How to run the check again: what kmc resume reads back (plain data in the checkpoint's header). */
export interface CheckpointRun {
  /** A bundled model's name, or the model file's absolute path. */
  model: string;
  variant: string;
  params: Record<string, string>;
  property: string[];
  maxStates?: number | undefined;
  maxDepth?: number | undefined;
  first?: boolean | undefined;
  symmetry: boolean;
  preemptionBound?: number | undefined;
  reference?: boolean | undefined;
  /** --checkpoint-every of the run (kmc resume keeps it unless told otherwise). */
  checkpointEveryMs?: number | undefined;
  /** Worker threads of the run (kmc resume uses as many unless told otherwise). */
  workers?: number | undefined;
}

/** The model's source file: a model file itself, or a bundled model's, beside the registry's module. */
export function modelSourceFile(entry: ModelEntry, registry: string | undefined): string {
  if (!entry.source.startsWith('models/')) return entry.source.startsWith('file:') ? fileURLToPath(entry.source) : entry.source;
  if (registry === undefined) throw new UsageError(`model ${entry.model.name}: its source file is unknown, so a checkpoint could not tell it from a changed one`);
  // A bundled model's properties live in properties/, which the model file does not import:
  // the registry (models/registry) imports both, so its source closure covers them (and every other
  // bundled model: a checkpoint of a bundled model is refused after any change to one of them).
  const registryFile = fileURLToPath(registry);
  if (existsSync(registryFile)) return registryFile;
  throw new UsageError(`model ${entry.model.name}: cannot find the bundled models' registry ${displayPath(registryFile)} to hash it for the checkpoint`);
}

/** A check's checkpoint configuration; on resume, refuses (exit 2) a checkpoint of another run. */
export function checkpointConfig(flags: CheckpointFlags, entry: ModelEntry, registry: string | undefined, plan: CheckPlan, run: CheckpointRun): CheckpointConfig {
  const identity = runIdentity({ model: plan.model, sourceFile: modelSourceFile(entry, registry), properties: plan.selected.map((p) => p.name), kmcVersion: VERSION });
  if (flags.resumeFrom !== undefined) {
    const saved = commonHeader(readChosen(flags.resumeFrom));
    const why = identityMismatch(saved.identity, identity);
    if (why) throw new UsageError(`kmc resume: refusing ${displayPath(flags.resumeFrom)}: ${why}`);
    flags.onAccepted?.();
  }
  return { dir: flags.dir, everyMs: flags.everyMs, identity, run: { ...run }, resumeFrom: flags.resumeFrom };
}

const chosen = new Map<string, CheckpointFile>();
function readChosen(path: string): CheckpointFile {
  const f = chosen.get(path);
  if (!f) throw new Error(`internal: checkpoint ${path} was not chosen by chooseCheckpoint`);
  return f;
}

/** The newest sound checkpoint in `dir` (older ones used when newer are torn, saying so); exit 2 when there is none. */
export function chooseCheckpoint(dir: string, io: Io): CheckpointFile {
  const l = latestCheckpoint(dir);
  for (const s of l.skipped) io.err(`kmc: ${displayPath(s.path)}: ${s.why}; skipping it`);
  if (!l.file) {
    const n = l.skipped.length;
    const why = n === 1 ? 'its one checkpoint is not sound' : n > 1 ? `none of its ${n} checkpoints is sound` : existsSync(dir) ? 'it holds no checkpoint' : 'it does not exist';
    throw new UsageError(`kmc resume: nothing to resume in ${displayPath(dir)}: ${why}`);
  }
  chosen.set(l.file.path, l.file);
  return l.file;
}

/** kmc check --checkpoint DIR: a directory that holds another run's checkpoints is refused, not overwritten. */
export function refuseUsedDirectory(dir: string): void {
  const files = checkpointFiles(dir);
  if (files.length > 0)
    throw new UsageError(`--checkpoint ${displayPath(dir)}: it already holds checkpoints of a run (${files.length}); continue that run with kmc resume ${displayPath(dir)}, or give another directory`);
}

/** What a resumed run starts from, in one line. */
export function describeResume(f: CheckpointFile): string {
  const h = commonHeader(f);
  const search = h.kind === 'level' ? `the parallel search at the end of depth ${String((f.header as { level?: unknown }).level)}` : 'the sequential search';
  return `kmc: resuming ${search} from ${displayPath(f.path)} (written ${h.writtenAt}${h.final ? ' when the run stopped' : ''}): ${thousands(h.states)} states, ${thousands(h.queued)} queued, ${seconds(h.elapsedMs)} searched before`;
}

/** After a checkpointed run: where its newest checkpoint is, when the run can go on. */
export function afterCheckpointedRun(dir: string, result: CheckResult, io: Io): void {
  if (result.status !== 'incomplete' && !(result.status === 'violated' && !result.complete)) return;
  const stopped = result.stoppedBy;
  if (stopped !== 'interrupted' && stopped !== 'max-time' && stopped !== 'max-memory' && stopped !== 'max-states') return;
  const newest = checkpointFiles(dir)[0];
  if (!newest) return;
  // A run cut by --max-states is saved as far as it got (the parallel search: at the last level end
  // before the bound); resumed, it needs a larger bound to get past where it stopped.
  const more = stopped === 'max-states' ? ` --max-states N (N above ${thousands(result.stats.states)})` : '';
  io.err(`kmc: the search is saved in ${displayPath(newest.path)}; continue it with: kmc resume ${displayPath(dir)}${more}`);
}
