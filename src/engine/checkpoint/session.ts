// Checkpointing one breadth-first search: a session saves the search's visited set (fingerprints,
// parent links, choices), its frontier, the violations found so far, its statistics and
// coverage, with the run's identity and how to run it again; a resumed session gives the search
// the saved store and frontier and the progress to go on from (search.ts, SearchCheckpoint).
//
// What is saved is exactly what the breadth-first search needs to go on as if never stopped: the
// ids of the stored states are their order of discovery, the frontier holds the states still to
// expand in FIFO order with their ids and depths, and every violation is kept as (state id,
// choice), so the counts and the shortest counterexamples of a resumed run are those of an
// uninterrupted one (tests/engine/checkpoint/). Under a memory model with store buffers the
// coverage also records whether a store found its buffer full (STORE_BUFFER_BOUND), which may
// have happened only before the stop: restored with it, a resumed run is store-buffer-bound
// exactly when the uninterrupted one is (the parallel level checkpoint merges the workers'
// coverage at the level end likewise: src/parallel/checkpoint.ts).

import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StateQueue } from '../frontier.js';
import type { RunIdentity } from '../run-identity.js';
import type { CommonHeader } from './header.js';
import type { SearchCheckpoint, SearchProgress, SearchSnapshot } from '../search.js';
import { FingerprintSet } from '../visited.js';
import { expectKind, readCheckpointFile, writeCheckpointFile, type CheckpointFile } from './file.js';

/** What a checkpoint file's header carries besides its sections. */
export interface CheckpointHeader extends CommonHeader {
  kind: 'sequential';
  progress: SearchProgress;
  /** State of the search's reducer (the preemption bound's count of cut transitions). */
  reducer?: { boundCut?: number } | undefined;
}

export interface CheckpointConfig {
  dir: string;
  /** Milliseconds between two checkpoints. */
  everyMs: number;
  /** Or a checkpoint every this many expansions (deterministic; tests). */
  everyExpansions?: number | undefined;
  /** The parallel search: or a checkpoint at every this many level boundaries (deterministic; tests). */
  everyLevels?: number | undefined;
  /** Told of every checkpoint written (its path; `final` on a stop). */
  onSaved?: ((path: string, final: boolean) => void) | undefined;
  identity: RunIdentity;
  run: Record<string, unknown>;
  /** The checkpoint file to go on from (kmc resume), already chosen and verified by the caller. */
  resumeFrom?: string | undefined;
}

export class CheckpointSession {
  private seq: number;
  private readonly loaded: CheckpointFile | undefined;
  private readonly header: CheckpointHeader | undefined;
  /** Called at every save for the reducer's state (set by the reduced search). */
  reducerState: (() => CheckpointHeader['reducer']) | undefined;
  /** Checkpoints written by this session. */
  written = 0;
  /**
   * Save the search also when it ends (check.ts sets it when a liveness search follows: a resumed
   * run then goes straight on to it instead of searching again).
   */
  saveAtEnd = false;
  private width = 0;

  constructor(readonly config: CheckpointConfig) {
    this.loaded = config.resumeFrom !== undefined ? readCheckpointFile(config.resumeFrom) : undefined;
    this.header = this.loaded ? checkpointHeader(this.loaded) : undefined;
    this.seq = this.loaded ? this.loaded.header.seq + 1 : 0;
    // A temporary file is a checkpoint whose writer died before renaming it: never complete.
    try {
      for (const n of readdirSync(config.dir)) if (n.endsWith('.kmc.tmp')) rmSync(join(config.dir, n), { force: true });
    } catch {
      // no directory yet
    }
  }

  get resuming(): boolean {
    return this.loaded !== undefined;
  }

  /** The reducer's saved state, when resuming. */
  get savedReducer(): CheckpointHeader['reducer'] {
    return this.header?.reducer;
  }

  /** The visited set to search with: the saved one when resuming, else a new one. */
  store(): FingerprintSet {
    const f = this.loaded;
    if (!f) return new FingerprintSet();
    return FingerprintSet.restore(f.section('fp') as Uint32Array, f.section('parent') as Int32Array, f.section('choice') as Uint16Array);
  }

  /** The frontier to search with: the saved one when resuming, else a new FIFO queue. */
  frontier(width: number): StateQueue {
    this.width = width;
    const q = new StateQueue(width, 'fifo');
    const f = this.loaded;
    if (f) {
      if (this.header!.width !== width) throw new Error(`internal: the checkpoint's states have ${this.header!.width} words, the model's ${width}`);
      q.pushEntries(f.section('frontier') as Int32Array);
    }
    return q;
  }

  /** The search's checkpoint hooks (search.ts). */
  searchCheckpoint(): SearchCheckpoint {
    return {
      resume: this.header?.progress,
      everyMs: this.config.everyMs,
      everyExpansions: this.config.everyExpansions,
      saveAtEnd: this.saveAtEnd,
      save: (s, final) => this.save(s, final),
    };
  }

  private save(s: SearchSnapshot, final: boolean): void {
    if (!(s.store instanceof FingerprintSet) || !(s.frontier instanceof StateQueue)) throw new Error('internal: only the fingerprint set and the state queue are checkpointed');
    const { fp, parent, choice } = s.store.sections();
    const { store: _s, frontier: _f, ...progress } = s;
    const header: Omit<CheckpointHeader, 'seq'> = {
      kind: 'sequential',
      identity: this.config.identity,
      run: this.config.run,
      progress,
      states: s.store.size,
      queued: s.frontier.size,
      width: this.width,
      elapsedMs: s.elapsedMs,
      reducer: this.reducerState?.(),
      writtenAt: new Date().toISOString(),
      final,
    };
    const path = writeCheckpointFile(this.config.dir, this.seq++, 'sequential', header as unknown as Record<string, unknown>, [
      { name: 'fp', type: 'u32', parts: [fp] },
      { name: 'parent', type: 'i32', parts: [parent] },
      { name: 'choice', type: 'u16', parts: [choice] },
      { name: 'frontier', type: 'i32', parts: s.frontier.segments() },
    ]);
    this.written++;
    this.config.onSaved?.(path, final);
  }
}

/** The header of a sequential search's checkpoint file (read and verified). */
export function checkpointHeader(f: CheckpointFile): CheckpointHeader {
  expectKind(f, 'sequential');
  return f.header as unknown as CheckpointHeader;
}
