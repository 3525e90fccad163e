// What a distributed run is, which every worker must match before it touches the run: the
// model (its name and the SHA-256 of its source file), variant, parameters, the properties
// checked, the reductions, the limits that shape the search (depth bound, first violation) and
// kmc's version. A worker that loaded anything else would insert states of another state space
// into the same visited set: it is refused, naming what differs (exit 2).

import { createHash } from 'node:crypto';

export interface RunIdentity {
  model: string;
  /** SHA-256 (hex) of the model's source file. */
  sourceSha256: string;
  variant: string;
  params: Record<string, unknown>;
  properties: string[];
  symmetry: boolean;
  preemptionBound: number | null;
  maxDepth: number | null;
  first: boolean;
  kmcVersion: string;
  /** Words of a packed state (a cheap check that the model compiled the same). */
  width: number;
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A stable JSON text of the identity (keys in a fixed order). */
function canonical(id: RunIdentity): string {
  const params = Object.fromEntries(Object.entries(id.params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify([id.model, id.sourceSha256, id.variant, params, id.properties, id.symmetry, id.preemptionBound, id.maxDepth, id.first, id.kmcVersion, id.width]);
}

/** The run's id: a short digest of its identity (the Redis keys' prefix). */
export function identityDigest(id: RunIdentity): string {
  return sha256(canonical(id)).slice(0, 16);
}

const FIELDS: (keyof RunIdentity)[] = ['model', 'sourceSha256', 'variant', 'params', 'properties', 'symmetry', 'preemptionBound', 'maxDepth', 'first', 'kmcVersion', 'width'];
const SHOWN: Record<keyof RunIdentity, string> = {
  model: 'model',
  sourceSha256: 'model source (SHA-256)',
  variant: 'variant',
  params: 'parameters',
  properties: 'properties',
  symmetry: 'symmetry reduction',
  preemptionBound: 'preemption bound',
  maxDepth: '--max-depth',
  first: '--first',
  kmcVersion: 'kmc version',
  width: 'state width',
};

/** One line naming what differs between the run's identity and this worker's, or undefined. */
export function identityMismatch(run: RunIdentity, mine: RunIdentity): string | undefined {
  const diff: string[] = [];
  for (const f of FIELDS) {
    const a = JSON.stringify(f === 'params' ? Object.entries(run.params).sort() : run[f]);
    const b = JSON.stringify(f === 'params' ? Object.entries(mine.params).sort() : mine[f]);
    if (a !== b) diff.push(`${SHOWN[f]}: the run has ${short(a)}, this worker ${short(b)}`);
  }
  return diff.length ? diff.join('; ') : undefined;
}

function short(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
