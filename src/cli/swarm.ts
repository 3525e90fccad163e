// kmc simulate --swarm N [--swarm-index i]: the members of a swarm random search
// (src/random/swarm.ts) run here, one or all of them, printed as text or as a swarm report
// (--json) that kmc swarm merge combines. Every output says that a swarm proves nothing.

import type { CompiledModel } from '../model/compile.js';
import type { Property } from '../property/types.js';
import type { ModelEntry } from '../property/registry.js';
import { runIdentity } from '../engine/run-identity.js';
import { memberName, runSwarmMember, swarmMember, swarmReport, SWARM_PROVES_NOTHING, type SwarmBase, type SwarmMemberReport } from '../random/swarm.js';
import { makeEvaluator } from '../engine/evaluate.js';
import { violationAlong } from '../engine/follow.js';
import type { FoundViolation } from '../engine/search.js';
import { parsePath } from '../trace/path.js';
import { ParallelChecker } from '../parallel/index.js';
import { defaultWorkers, modelSource } from './run-check.js';
import { renderViolation } from '../report/text.js';
import { seconds, thousands } from '../util/format.js';
import type { Io } from './io.js';
import { modelSourceFile } from './checkpoint.js';
import { renderWrittenTraces, writeViolationTrace } from './traces.js';
import { VERSION } from './version.js';

export interface SwarmRun {
  entry: ModelEntry;
  registry: string | undefined;
  model: CompiledModel;
  all: readonly Property[];
  selected: readonly Property[];
  base: SwarmBase;
  /** Only this member (a CI matrix job); all of them otherwise. */
  index?: number | undefined;
  json: boolean;
  traces: boolean;
  traceDir: string;
  force?: boolean | undefined;
  /** As given on the command line (the worker threads compile the model again from them). */
  params: Record<string, string>;
  property: readonly string[];
  /** Worker threads for all N members (default: one per core, at most N). */
  workers?: number | undefined;
}

type Ran = SwarmMemberReport & { found?: FoundViolation | undefined };

/**
 * The members' reports: one member (or a pool of one) here, on this thread; several spread over
 * the worker pool, their violations then worded again here from their paths (the property
 * objects stay in the workers).
 */
async function runMembers(r: SwarmRun, safety: readonly Property[], indices: readonly number[]): Promise<Ran[]> {
  const workers = Math.min(r.workers ?? defaultWorkers(), indices.length);
  if (workers <= 1) return indices.map((i) => runSwarmMember(r.model, r.all, safety, swarmMember(r.base, i)));
  const checker = new ParallelChecker(workers);
  let reports: SwarmMemberReport[];
  try {
    const target = { model: r.entry.model, properties: r.entry.properties, source: modelSource(r.entry, r.registry) };
    reports = await checker.swarm(target, { variant: r.model.variant, params: r.params, property: r.property, base: r.base, members: indices });
  } finally {
    await checker.close();
  }
  const evaluator = makeEvaluator(r.model, r.all, safety);
  return reports.map((rep) => {
    const v = rep.violation;
    const property = v && safety.find((p) => p.name === v.property);
    if (!v || !property) return rep;
    const atStep = property.kind === 'step' || property.kind === 'assertion';
    return { ...rep, found: violationAlong(r.model, evaluator, property, parsePath(v.replay), atStep) };
  });
}

/** Run the members; resolves to the exit code: 1 a violation was found, 2 a member stopped on an error, 3 nothing found (no proof). */
export async function runSwarm(r: SwarmRun, io: Io): Promise<number> {
  const indices = r.index !== undefined ? [r.index] : Array.from({ length: r.base.size }, (_, i) => i);
  // A random walk sees states and steps, not cycles: liveness needs the state graph (kmc check).
  const safety = r.selected.filter((p) => p.kind !== 'liveness');
  const liveness = r.selected.filter((p) => p.kind === 'liveness').map((p) => p.name);
  const who = `${r.model.name} --variant ${r.model.variant}`;
  const reports = await runMembers(r, safety, indices);
  for (const rep of reports) {
    const m = swarmMember(r.base, rep.index);
    const name = memberName(m);
    if (rep.status === 'error') {
      io.err(`kmc: ${name}: ${rep.message ?? 'error'}`);
      continue;
    }
    if (rep.status === 'no-violation') {
      if (!r.json) io.out(`${name}: no violation in ${thousands(rep.runsDone)} runs (${seconds(rep.timeMs)})`);
      continue;
    }
    const f = rep.found!;
    const violation = { property: f.property.name, kind: f.property.kind, path: f.path, message: f.message, ...(f.blocked ? { blocked: f.blocked } : {}) };
    const written = r.traces ? writeViolationTrace(r.traceDir, r.entry.source, r.model, violation, 'simulate', r.force) : undefined;
    if (r.json) {
      if (written) io.err(renderWrittenTraces([written], r.entry.source));
      continue;
    }
    io.out(`${name}: VIOLATED ${f.property.name} in run ${thousands(rep.runsDone)} (${f.path.length} steps${m.strategy === 'uniform' ? ', not shrunk' : ''})`);
    io.out(renderViolation(r.model, violation));
    if (written) io.out(renderWrittenTraces([written], r.entry.source));
  }
  const identity = runIdentity({ model: r.model, sourceFile: modelSourceFile(r.entry, r.registry), properties: r.selected.map((p) => p.name), kmcVersion: VERSION });
  const found = reports.filter((x) => x.status === 'violated');
  const errors = reports.filter((x) => x.status === 'error');
  if (r.json) io.out(JSON.stringify(swarmReport(identity, r.base, reports, liveness), null, 2));
  else {
    const of = r.index !== undefined ? `member ${r.index} of a swarm of ${r.base.size}` : `all ${r.base.size} members`;
    const props = [...new Set(found.map((x) => x.violation!.property))];
    io.out(
      `SWARM ${who} (${of}, seed ${r.base.seed}, depth up to ${r.base.depth}, ${thousands(r.base.runs)} runs each): ` +
        (found.length > 0 ? `VIOLATED ${props.join(', ')}` : errors.length > 0 ? `${errors.length} member(s) stopped on an error` : 'NO VIOLATION FOUND') +
        `\n${SWARM_PROVES_NOTHING}\nProperties checked: ${safety.map((p) => p.name).join(', ')}` +
        (liveness.length > 0 ? `\nNot checked (liveness needs the whole state graph: kmc check): ${liveness.join(', ')}` : ''),
    );
  }
  return found.length > 0 ? 1 : errors.length > 0 ? 2 : 3;
}
