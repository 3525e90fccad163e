// Swarm random search (Holzmann, Joshi & Groce, "Swarm verification techniques", IEEE TSE 2011:
// SPIN's swarm): instead of one long random search, N independent members, each with its own
// seed, its own depth bound and its own way of choosing steps, so that together they cover
// more of a state space no machine can exhaust. Members share nothing: they run as N CI matrix
// jobs, N processes on N machines, or one after the other here; their JSON reports are merged
// afterwards (mergeSwarmReports).
//
// It proves nothing. A violation a member finds is real (its path replays on the model: kmc
// replay), but no violation found by every member is not a proof of anything: every report and
// every merge says so.

import type { CompiledModel } from '../model/compile.js';
import type { Property } from '../property/types.js';
import type { RunIdentity } from '../engine/run-identity.js';
import { identityMismatch } from '../engine/run-identity.js';
import { formatPath } from '../engine/chooser.js';
import { uniformChooser } from '../engine/walk.js';
import { simulate, walk } from './simulate.js';

export const SWARM_PROVES_NOTHING =
  'A swarm is random search: a violation it found is real and replays (kmc replay), but finding none proves nothing; only kmc check proves a property.';

export type SwarmStrategy = 'schedule' | 'uniform';

/** One member's configuration, derived from the swarm's seed, size and index alone (any machine derives the same). */
export interface SwarmMember {
  index: number;
  of: number;
  seed: number;
  /** Its depth bound: members spread between a quarter of the swarm's and all of it. */
  depth: number;
  /** fast-check schedules (shrunk on failure) or uniformly random steps (not shrunk). */
  strategy: SwarmStrategy;
  runs: number;
}

/** How a member is named in output. */
export function memberName(m: { index: number; of: number; seed: number; depth: number; strategy: string }): string {
  return `swarm member ${m.index}/${m.of} (seed ${m.seed}, depth ${m.depth}, ${m.strategy === 'schedule' ? 'fast-check schedules' : 'uniform steps'})`;
}

/** The base of a swarm: what every member is derived from. */
export interface SwarmBase {
  size: number;
  seed: number;
  depth: number;
  runs: number;
}

/** A 32-bit mix (murmur3's finalizer): members' seeds far apart even for neighbouring indices. */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) | 0;
}

const GOLDEN = 0.6180339887498949;

export function swarmMember(base: SwarmBase, index: number): SwarmMember {
  if (!Number.isInteger(index) || index < 0 || index >= base.size) throw new RangeError(`swarm member ${index} of ${base.size}`);
  // A low-discrepancy spread of depths: member 0 has the full bound, the others fill [depth/4, depth].
  const frac = 1 - ((index * GOLDEN) % 1);
  const depth = Math.max(1, Math.round(base.depth * (0.25 + 0.75 * frac)));
  return {
    index,
    of: base.size,
    seed: index === 0 ? base.seed : mix(base.seed + Math.imul(index, 0x9e3779b9)),
    depth,
    strategy: index % 2 === 0 ? 'schedule' : 'uniform',
    runs: base.runs,
  };
}

/** A violation as a report carries it: plain data, with the path to replay. */
export interface SwarmViolation {
  property: string;
  message: string;
  /** The replay path (0/2/1/...). */
  replay: string;
  steps: number;
}

export interface SwarmMemberReport extends SwarmMember {
  status: 'violated' | 'no-violation' | 'error';
  /** Runs made (up to the violation, when one was found). */
  runsDone: number;
  violation?: SwarmViolation | undefined;
  message?: string | undefined;
  timeMs: number;
}

/** Run one member. */
export function runSwarmMember(model: CompiledModel, all: readonly Property[], selected: readonly Property[], m: SwarmMember): SwarmMemberReport & { path?: number[]; found?: ReturnType<typeof walk>['violation'] } {
  const t0 = performance.now();
  const done = (r: Omit<SwarmMemberReport, keyof SwarmMember | 'timeMs'> & { path?: number[]; found?: ReturnType<typeof walk>['violation'] }) => ({ ...m, ...r, timeMs: performance.now() - t0 });
  if (m.strategy === 'schedule') {
    const r = simulate(model, all, selected, { runs: m.runs, seed: m.seed, depth: m.depth });
    if (r.status === 'error') return done({ status: 'error', runsDone: 0, message: r.message });
    if (r.status === 'no-violation') return done({ status: 'no-violation', runsDone: r.runs });
    const v = r.violation;
    return done({ status: 'violated', runsDone: r.runs, violation: { property: v.property.name, message: v.message, replay: formatPath(v.path), steps: v.path.length }, path: v.path, found: v });
  }
  // One generator for all the runs: each run continues its sequence.
  const chooser = uniformChooser(m.seed);
  for (let i = 1; i <= m.runs; i++) {
    const r = walk(model, all, selected, chooser, m.depth);
    if (r.error) return done({ status: 'error', runsDone: i, message: r.error.message });
    const v = r.violation;
    if (v) return done({ status: 'violated', runsDone: i, violation: { property: v.property.name, message: v.message, replay: formatPath(v.path), steps: v.path.length }, path: v.path, found: v });
  }
  return done({ status: 'no-violation', runsDone: m.runs });
}

/** A swarm report: one member's (a CI job's) or several members' (run together), as `kmc simulate --swarm N --json` prints it. */
export interface SwarmReport {
  kind: 'kmc-swarm-report';
  format: 1;
  identity: RunIdentity;
  swarm: SwarmBase;
  members: SwarmMemberReport[];
  /** Selected properties random search cannot check (liveness: it needs the state graph). */
  notChecked: string[];
  provesNothing: string;
}

export function swarmReport(identity: RunIdentity, base: SwarmBase, members: readonly SwarmMemberReport[], notChecked: readonly string[]): SwarmReport {
  return { kind: 'kmc-swarm-report', format: 1, identity, swarm: { ...base }, members: members.map((m) => memberReport(m)), notChecked: [...notChecked], provesNothing: SWARM_PROVES_NOTHING };
}

/** A member's report as plain data (without the violation's Property object: it crosses threads and files). */
export function memberReport(m: SwarmMemberReport & { path?: unknown; found?: unknown }): SwarmMemberReport {
  const { path: _p, found: _f, ...rest } = m;
  return rest;
}

export interface MergedSwarm {
  identity: RunIdentity;
  swarm: SwarmBase;
  members: SwarmMemberReport[];
  /** Member indices no report covers. */
  missing: number[];
  /** Per property, the shortest violation any member found (and which member). */
  violations: (SwarmViolation & { member: number })[];
  runs: number;
  errors: { member: number; message: string }[];
  notChecked: string[];
}

/**
 * Merge reports of one swarm. Throws an Error naming the report at fault when they are of
 * different runs (identity), of different swarms (size, seed, depth, runs), or give one member
 * twice with different results.
 */
export function mergeSwarmReports(reports: readonly { name: string; report: SwarmReport }[]): MergedSwarm {
  if (reports.length === 0) throw new Error('no reports to merge');
  const first = reports[0]!;
  const byIndex = new Map<number, SwarmMemberReport>();
  for (const { name, report } of reports) {
    const why = identityMismatch(first.report.identity, report.identity);
    if (why) throw new Error(`${name} is a report of another run than ${first.name}: ${why}`);
    const a = first.report.swarm;
    const b = report.swarm;
    if (a.size !== b.size || a.seed !== b.seed || a.depth !== b.depth || a.runs !== b.runs)
      throw new Error(`${name} is of another swarm than ${first.name} (size ${b.size} seed ${b.seed} depth ${b.depth} runs ${b.runs}, not size ${a.size} seed ${a.seed} depth ${a.depth} runs ${a.runs})`);
    for (const m of report.members) {
      if (!Number.isInteger(m.index) || m.index < 0 || m.index >= a.size) throw new Error(`${name}: member ${m.index} is not one of the swarm's ${a.size}`);
      const expected = swarmMember(a, m.index);
      if (m.seed !== expected.seed || m.depth !== expected.depth || m.strategy !== expected.strategy) throw new Error(`${name}: member ${m.index} ran with another seed, depth or strategy than the swarm gives it`);
      const seen = byIndex.get(m.index);
      if (seen && (seen.status !== m.status || seen.violation?.replay !== m.violation?.replay)) throw new Error(`${name}: member ${m.index} appears twice with different results`);
      byIndex.set(m.index, m);
    }
  }
  const members = [...byIndex.values()].sort((x, y) => x.index - y.index);
  const best = new Map<string, SwarmViolation & { member: number }>();
  for (const m of members) {
    const v = m.violation;
    if (m.status !== 'violated' || !v) continue;
    const b = best.get(v.property);
    if (!b || v.steps < b.steps) best.set(v.property, { ...v, member: m.index });
  }
  const size = first.report.swarm.size;
  return {
    identity: first.report.identity,
    swarm: first.report.swarm,
    members,
    missing: Array.from({ length: size }, (_, i) => i).filter((i) => !byIndex.has(i)),
    violations: [...best.values()].sort((x, y) => x.property.localeCompare(y.property)),
    runs: members.reduce((s, m) => s + m.runsDone, 0),
    errors: members.filter((m) => m.status === 'error').map((m) => ({ member: m.index, message: m.message ?? 'error' })),
    notChecked: Array.isArray(first.report.notChecked) ? first.report.notChecked.map(String) : [],
  };
}
