// A run's identity: what must be the same for two pieces of one search to be combined. A
// checkpoint (src/engine/checkpoint) is resumed, and a distributed worker joins a run, only when
// the model's source file, the variant, the parameters, the checked properties and kmc's version
// are the ones the run started with: a visited set of one model is meaningless for another, and
// mixing them would give a wrong verdict, not an error.
//
// The source is hashed: the model file and every file it imports by a relative path,
// transitively (src/util/source-digest.ts), so a changed helper or property file is caught like
// a changed model file; the compiled model adds its state width and the fingerprint of its
// initial state. Packages the model imports are covered only by their effect on those two.
//
// A distributed run (src/distributed) adds the search's shape: its visited set holds the states
// of the reduced system (symmetry, preemption bound), cut at the depth bound and stopped at the
// first violation, so a worker that searched another shape would add states of another space.
// A checkpoint leaves it out (it records how to run the check again in its own header).

import { createHash } from 'node:crypto';
import type { CompiledModel } from '../model/compile.js';
import { fingerprintHex } from '../util/hash.js';
import { sourceDigest } from '../util/source-digest.js';

export interface RunIdentity {
  /** The model's name. */
  model: string;
  /** SHA-256 (hex) of the model's source file and the files it imports by relative paths. */
  sourceSha256: string;
  variant: string;
  /** Every parameter's value (defaults included), keys sorted. */
  params: Record<string, string | number | boolean>;
  /** The checked properties' names, in the order the run checks them. */
  properties: string[];
  kmcVersion: string;
  /** Words per packed state and the initial state's fingerprint (of the model as compiled). */
  width: number;
  initFingerprint: string;
  /** The search's shape, where a run's pieces depend on it (a distributed run's); absent for a checkpoint. */
  search?: SearchShape;
}

/** What shapes the states a search visits, beyond the model itself. */
export interface SearchShape {
  symmetry: boolean;
  preemptionBound: number | null;
  maxDepth: number | null;
  first: boolean;
}

export interface IdentityInput {
  /** The compiled model as planned (before any reduction widens its states). */
  model: CompiledModel;
  /** The model's source file (absolute path). */
  sourceFile: string;
  properties: readonly string[];
  kmcVersion: string;
  search?: SearchShape | undefined;
}

export function runIdentity(i: IdentityInput): RunIdentity {
  const params: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(i.model.params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) params[k] = v as string | number | boolean;
  return {
    model: i.model.name,
    sourceSha256: sourceDigest(i.sourceFile),
    variant: i.model.variant,
    params,
    properties: [...i.properties],
    kmcVersion: i.kmcVersion,
    width: i.model.width,
    initFingerprint: fingerprintHex(i.model.init),
    ...(i.search ? { search: { symmetry: i.search.symmetry, preemptionBound: i.search.preemptionBound, maxDepth: i.search.maxDepth, first: i.search.first } } : {}),
  };
}

const show = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? 'none' : JSON.stringify(v));

/** How a refusal names the two sides: the saved run's and this process's. */
export interface MismatchSides {
  then: string;
  now: string;
}

const SEARCH_FIELDS: [keyof SearchShape, string][] = [
  ['symmetry', 'symmetry reduction'],
  ['preemptionBound', 'preemption bound'],
  ['maxDepth', 'depth bound (--max-depth)'],
  ['first', '--first'],
];

/**
 * Why `now` is not the run `saved` describes, in one line naming the first field that differs
 * (undefined when they are the same run). `sides` names the two (a checkpoint's default: "then"
 * and "now"; a distributed worker: "in the run" and "in this worker").
 */
export function identityMismatch(saved: RunIdentity, now: RunIdentity, sides?: MismatchSides): string | undefined {
  const then = sides?.then ?? 'then';
  const mine = sides?.now ?? 'now';
  const fields: [keyof RunIdentity, string][] = [
    ['model', 'model'],
    ['sourceSha256', 'model file (source hash)'],
    ['variant', 'variant'],
    ['params', 'parameters'],
    ['properties', 'properties'],
    ['kmcVersion', 'kmc version'],
    ['width', 'state layout (words per state)'],
    ['initFingerprint', 'initial state'],
  ];
  for (const [k, what] of fields) {
    const a = show(saved[k]);
    const b = show(now[k]);
    if (a !== b) {
      if (k === 'sourceSha256' && !sides) return `the ${what} differs: the model file changed since the run started (sha256 ${a.slice(0, 12)}… then, ${b.slice(0, 12)}… now)`;
      if (k === 'sourceSha256') return `the ${what} differs: sha256 ${a.slice(0, 12)}… ${then}, ${b.slice(0, 12)}… ${mine}`;
      return `the ${what} ${k === 'params' || k === 'properties' ? 'differ' : 'differs'}: ${a} ${then}, ${b} ${mine}`;
    }
  }
  if ((saved.search === undefined) !== (now.search === undefined)) return `the search's shape differs: ${show(saved.search)} ${then}, ${show(now.search)} ${mine}`;
  if (saved.search && now.search)
    for (const [k, what] of SEARCH_FIELDS) {
      const a = show(saved.search[k]);
      const b = show(now.search[k]);
      if (a !== b) return `the ${what} differs: ${a} ${then}, ${b} ${mine}`;
    }
  return undefined;
}

/** A short hex digest of the identity (for keys and file names). */
export function identityDigest(id: RunIdentity): string {
  return createHash('sha256').update(JSON.stringify(id)).digest('hex').slice(0, 16);
}
