// Checkpoints of the parallel level-synchronous search (orchestrator side; the workers' hooks are
// in level-search.ts). A checkpoint is the search at the end of a level L, when every worker has
// arrived at the level's second barrier: the fingerprints of every state of depth <= L, the
// level ranks of depths 1..L (the parent links), the sealed frontier of depth L (edge key and
// state), the first violations found by expansions of depth < L and invariants of states of
// depth <= L, and the statistics. None of it depends on the number of workers or on who stored
// what: a resumed run hands the fingerprints to the workers that own them now (partitioned) or
// puts them in a new shared table, splits the frontier among its workers, and goes on by
// expanding depth L, which gives the counts and the counterexamples an uninterrupted run gives
// (tests/parallel/checkpoint.test.ts, tests/cli/checkpoint-parallel.test.ts).
//
// The file is the sequential search's (src/engine/checkpoint/file.ts, kind 'level'). Periodic
// checkpoints are written while the workers wait at the level's end (they send their parts and
// wait: TLC pauses its workers likewise); a run that stops part-way through a level (Ctrl-C,
// SIGTERM, a time, memory or state bound) writes the checkpoint of the last level end all its
// workers reached, which each still holds: a resumed run redoes at most part of one level.

import type { MessagePort } from 'node:worker_threads';
import { mergeCounts, type CoverageCounts } from '../engine/coverage.js';
import { expectKind, readCheckpointFile, writeCheckpointFile } from '../engine/checkpoint/file.js';
import type { CommonHeader } from '../engine/checkpoint/header.js';
import type { CheckpointConfig } from '../engine/checkpoint/session.js';
import { STOP, type Control } from './control.js';
import { ownerOf } from './dedup.js';
import { shareEntries } from './frontier.js';
import { bestPerProperty } from './level-search.js';
import type { Candidate, LevelCheckpointPart, LevelResume } from './protocol.js';
import { LevelRanks } from './ranks.js';
import { restoredTable, tableFingerprints } from './shared-table.js';

/** A level checkpoint's header, besides its sections (fp: fingerprints, ranks: words, frontier: entries). */
export interface LevelHeader extends CommonHeader {
  kind: 'level';
  /** The depth whose end this is: a resumed run expands it first. */
  level: number;
  /** Bound on the enabled actions of a state (the ranks' key space). */
  K: number;
  /** Each level's rank header (offset, parents, size), depths 1..level. */
  ranks: number[];
  candidates: Candidate[];
  transitions: number;
  diameter: number;
  depthCut: boolean;
  coverage?: CoverageCounts | undefined;
  /** Workers of the run that wrote it (information only: any number resumes it). */
  workers: number;
}

/** What a resumed run starts from, loaded and checked. */
export interface LoadedLevelCheckpoint {
  header: LevelHeader;
  fingerprints: Uint32Array;
  frontier: Int32Array;
  ranks: Int32Array;
}

/** Read the chosen checkpoint of a level search; throws saying why it cannot be resumed here. */
export function loadLevelCheckpoint(path: string, width: number, K: number): LoadedLevelCheckpoint {
  const f = readCheckpointFile(path);
  expectKind(f, 'level');
  const header = f.header as unknown as LevelHeader;
  if (header.width !== width) throw new Error(`internal: the checkpoint's states have ${header.width} words, the search's ${width}`);
  if (header.K !== K) throw new Error(`internal: the checkpoint's states have up to ${header.K} enabled actions, the model's ${K}`);
  const fingerprints = f.section('fp') as Uint32Array;
  const frontier = f.section('frontier') as Int32Array;
  if (fingerprints.length !== 2 * header.states || frontier.length !== header.queued * (width + 2)) throw new Error(`${path}: its sections disagree with its header`);
  return { header, fingerprints, frontier, ranks: f.section('ranks') as Int32Array };
}

/**
 * Set up a resumed run on `workers` workers: the ranks restored (and room for the next depth),
 * the shared table filled (shared-table) or the fingerprints split by owner (partitioned), and
 * each worker's share of the frontier; worker 0 carries the violations and counts.
 */
export function resumeLevelSearch(
  saved: LoadedLevelCheckpoint,
  o: { workers: number; dedup: 'partitioned' | 'shared-table'; ranks: LevelRanks; tableSlots: number; first: boolean },
): { resumes: LevelResume[]; table: SharedArrayBuffer | undefined } {
  const { header, fingerprints, frontier } = saved;
  const W = o.workers;
  const L = header.level;
  o.ranks.restore({ levels: header.ranks, words: saved.ranks });
  o.ranks.prepare(L + 1, o.ranks.size(L));
  let table: SharedArrayBuffer | undefined;
  const mine: Uint32Array[] = [];
  // The resumed run expands depth L first, with no level end before it: room for its expected
  // new states (twice depth L's), made as a level end makes it (a level that stores more spills).
  if (o.dedup === 'shared-table') table = restoredTable(fingerprints, L, header.queued * o.ranks.K, o.tableSlots, W, 2 * header.queued);
  else {
    const counts = new Array<number>(W).fill(0);
    for (let k = 0; k < fingerprints.length; k += 2) counts[W === 1 ? 0 : ownerOf(fingerprints[k]!, W)]!++;
    for (let w = 0; w < W; w++) mine.push(new Uint32Array(2 * counts[w]!));
    const at = new Array<number>(W).fill(0);
    for (let k = 0; k < fingerprints.length; k += 2) {
      const w = W === 1 ? 0 : ownerOf(fingerprints[k]!, W);
      mine[w]![at[w]!++] = fingerprints[k]!;
      mine[w]![at[w]!++] = fingerprints[k + 1]!;
    }
  }
  const stride = header.width + 2;
  const resumes = Array.from({ length: W }, (_, w): LevelResume => {
    const from = Math.floor((header.queued * w) / W);
    const to = Math.floor((header.queued * (w + 1)) / W);
    const r: LevelResume = {
      level: L,
      // With --first a saved violation ended the run at this level end (a stop that came just
      // then saved it): it must not search on.
      finished: o.first && header.candidates.length > 0,
      stored: table ? (w === 0 ? header.states : 0) : mine[w]!.length / 2,
      fingerprints: table ? undefined : mine[w],
      frontier: frontier.slice(from * stride, to * stride),
    };
    if (w === 0) Object.assign(r, { candidates: header.candidates, transitions: header.transitions, diameter: header.diameter, depthCut: header.depthCut, coverage: header.coverage });
    return r;
  });
  return { resumes, table };
}

/** Writes a level search's checkpoints: periodic ones from the parts the workers send, the last one from their reports. */
export class LevelCheckpointer {
  private seq: number;
  private readonly parts: (LevelCheckpointPart | undefined)[];
  private readonly start = performance.now();
  /** Set when writing failed: the run is stopped and reports it. */
  failure: Error | undefined;
  written = 0;

  constructor(
    private readonly config: CheckpointConfig,
    private readonly o: {
      workers: number;
      width: number;
      control: Control;
      ranks: LevelRanks;
      table: SharedArrayBuffer | undefined;
      /** Search time of the sessions before this one. */
      elapsedBefore: number;
      /** The sequence number of the checkpoint resumed from (-1: a new run). */
      resumedSeq: number;
    },
  ) {
    this.seq = o.resumedSeq + 1;
    this.parts = new Array<LevelCheckpointPart | undefined>(o.workers).fill(undefined);
  }

  /** Listen on the orchestrator's ends of the workers' checkpoint ports. */
  listen(ports: readonly MessagePort[]): void {
    for (const p of ports) p.on('message', (part: LevelCheckpointPart) => this.received(part));
  }

  private received(part: LevelCheckpointPart): void {
    this.parts[part.index] = part;
    if (this.parts.some((p) => p === undefined)) return;
    const parts = [...this.parts] as LevelCheckpointPart[];
    this.parts.fill(undefined);
    try {
      this.write(parts, false);
    } catch (e) {
      this.failure = e instanceof Error ? e : new Error(String(e));
      this.o.control.stop(STOP.error);
      return;
    }
    this.o.control.checkpointWritten();
  }

  /** The run's last checkpoint, from the workers' reports (all of them, or nothing is written); returns its path. */
  final(parts: readonly (LevelCheckpointPart | undefined)[]): string | undefined {
    if (parts.some((p) => p === undefined || p.boundaries.length === 0)) return undefined;
    return this.write(parts as LevelCheckpointPart[], true);
  }

  private write(parts: readonly LevelCheckpointPart[], final: boolean): string {
    // The level end every worker reached (they are at most one level apart).
    const L = Math.min(...parts.map((p) => p.boundaries[p.boundaries.length - 1]!.level));
    const ends = parts.map((p) => {
      const b = p.boundaries.find((x) => x.level === L);
      if (!b) throw new Error(`internal: worker ${p.index} has no record of the end of depth ${L}`);
      return b;
    });
    const states = ends.reduce((n, b) => n + b.stored, 0);
    const fingerprints = this.o.table ? tableFingerprints(this.o.table, L) : concat(parts.map((p, i) => p.fingerprints!.subarray(0, 2 * ends[i]!.stored)));
    if (fingerprints.length !== 2 * states) throw new Error(`internal: ${fingerprints.length / 2} fingerprints of depth <= ${L} but ${states} states stored`);
    const frontier = parts.flatMap((p) => {
      const share = p.shares.find((s) => s.level === L);
      if (!share) throw new Error(`internal: worker ${p.index} no longer holds its frontier of depth ${L}`);
      return shareEntries(share, this.o.width);
    });
    const queued = frontier.reduce((n, e) => n + e.length, 0) / (this.o.width + 2);
    const ranks = this.o.ranks.snapshot(L);
    const header: Omit<LevelHeader, 'kind' | 'seq'> = {
      identity: this.config.identity,
      run: this.config.run,
      states,
      queued,
      width: this.o.width,
      elapsedMs: this.o.elapsedBefore + performance.now() - this.start,
      writtenAt: new Date().toISOString(),
      final,
      level: L,
      K: this.o.ranks.K,
      ranks: ranks.levels,
      // A violation found later than the level end is found again by the resumed run.
      candidates: bestPerProperty(parts.flatMap((p) => p.candidates.filter((c) => c.level < L))),
      transitions: ends.reduce((n, b) => n + b.transitions, 0),
      diameter: Math.max(...ends.map((b) => b.diameter)),
      depthCut: ends.some((b) => b.depthCut),
      coverage: ends.reduce<CoverageCounts | undefined>((sum, b) => mergeCounts(sum, b.coverage), undefined),
      workers: this.o.workers,
    };
    const path = writeCheckpointFile(this.config.dir, this.seq++, 'level', header as unknown as Record<string, unknown>, [
      { name: 'fp', type: 'u32', parts: [fingerprints] },
      { name: 'ranks', type: 'i32', parts: [ranks.words] },
      { name: 'frontier', type: 'i32', parts: frontier },
    ]);
    this.written++;
    this.config.onSaved?.(path, final);
    return path;
  }
}

function concat(parts: readonly Uint32Array[]): Uint32Array {
  const out = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
