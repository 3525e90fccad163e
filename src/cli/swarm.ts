// kmc simulate --swarm N [--swarm-index i]: the members of a swarm random search
// (src/random/swarm.ts) run here, one or all of them, printed as text or as a swarm report
// (--json) that kmc swarm merge combines. Every output says that a swarm proves nothing.

import type { CompiledModel } from '../model/compile.js';
import type { Property } from '../property/types.js';
import type { ModelEntry } from '../property/registry.js';
import { runIdentity } from '../engine/run-identity.js';
import { runSwarmMember, swarmMember, swarmReport, SWARM_PROVES_NOTHING, type SwarmBase, type SwarmMemberReport } from '../random/swarm.js';
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
}

/** How a member is named in output. */
export function memberName(m: { index: number; of: number; seed: number; depth: number; strategy: string }): string {
  return `swarm member ${m.index}/${m.of} (seed ${m.seed}, depth ${m.depth}, ${m.strategy === 'schedule' ? 'fast-check schedules' : 'uniform steps'})`;
}

/** Run the members; returns the exit code: 1 a violation was found, 2 a member stopped on an error, 3 nothing found (no proof). */
export function runSwarm(r: SwarmRun, io: Io): number {
  const indices = r.index !== undefined ? [r.index] : Array.from({ length: r.base.size }, (_, i) => i);
  const reports: SwarmMemberReport[] = [];
  // A random walk sees states and steps, not cycles: liveness needs the state graph (kmc check).
  const safety = r.selected.filter((p) => p.kind !== 'liveness');
  const liveness = r.selected.filter((p) => p.kind === 'liveness').map((p) => p.name);
  const who = `${r.model.name} --variant ${r.model.variant}`;
  for (const i of indices) {
    const m = swarmMember(r.base, i);
    const rep = runSwarmMember(r.model, r.all, safety, m);
    reports.push(rep);
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
