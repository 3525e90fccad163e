// What every checkpoint's header carries, whichever search it holds (the CLI reads only this: the
// run's identity, how to run it again, and what to tell the user about it).

import type { RunIdentity } from '../run-identity.js';
import type { CheckpointFile, CheckpointKind } from './file.js';

export interface CommonHeader {
  kind: CheckpointKind;
  /** Its number in the directory (checkpoint-NNNNNN.kmc): a resumed run numbers on from it. */
  seq: number;
  identity: RunIdentity;
  /** How to run the check again (the CLI's own record: model, variant, params, limits, reductions). */
  run: Record<string, unknown>;
  /** Distinct states saved, and states still to expand. */
  states: number;
  queued: number;
  /** Words per saved frontier state. */
  width: number;
  /** Search time before this checkpoint, over every session of the run. */
  elapsedMs: number;
  writtenAt: string;
  /** Written when the run stopped (a signal or a bound), or when its search ended (a liveness search follows). */
  final: boolean;
}

/** The header of a checkpoint file (read and verified), as far as every kind shares it. */
export function commonHeader(f: CheckpointFile): CommonHeader {
  return f.header as unknown as CommonHeader;
}
