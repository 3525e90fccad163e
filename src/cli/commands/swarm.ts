// kmc swarm merge REPORT...: combine the --json reports of the members of one swarm
// (kmc simulate --swarm N [--swarm-index i] --json, e.g. one per CI matrix job). Refuses reports
// of another model, variant, parameters, properties or kmc version, or of another swarm (exit 2);
// lists the members no report covers; exit 1 when some member found a violation (real: it
// replays), 3 when none did, which proves nothing.

import type { Command } from 'commander';
import type { MergedSwarm, SwarmReport, memberName as MemberName } from '../../random/swarm.js';
import { UsageError } from '../../util/errors.js';
import { parseJsonData, readInputFile } from '../../util/input-file.js';
import { seconds, thousands } from '../../util/format.js';
import { displayPath } from '../../util/display-path.js';
import type { Io } from '../io.js';

/** A report file's data, checked to be a swarm report before it is used (it is data read from disk). */
function readReport(file: string): SwarmReport {
  const data = parseJsonData(readInputFile(file, 'swarm report'), displayPath(file));
  const r = data as Partial<SwarmReport> | null;
  if (typeof r !== 'object' || r === null || r.kind !== 'kmc-swarm-report') throw new UsageError(`${displayPath(file)} is not a kmc swarm report (kmc simulate --swarm N --json writes one)`);
  if (r.format !== 1) throw new UsageError(`${displayPath(file)}: swarm report format ${String(r.format)}; this kmc reads format 1`);
  const okBase = (b: unknown) => typeof b === 'object' && b !== null && ['size', 'seed', 'depth', 'runs'].every((k) => Number.isInteger((b as Record<string, unknown>)[k]));
  const okMember = (m: unknown) =>
    typeof m === 'object' &&
    m !== null &&
    ['index', 'seed', 'depth', 'runsDone'].every((k) => Number.isInteger((m as Record<string, unknown>)[k])) &&
    ['violated', 'no-violation', 'error'].includes(String((m as Record<string, unknown>).status)) &&
    ((m as Record<string, unknown>).status !== 'violated' || typeof (m as { violation?: { replay?: unknown; steps?: unknown } }).violation?.replay === 'string');
  if (typeof r.identity !== 'object' || r.identity === null || !okBase(r.swarm) || !Array.isArray(r.members) || !r.members.every(okMember))
    throw new UsageError(`${displayPath(file)}: the swarm report is malformed`);
  return r as SwarmReport;
}

function render(m: MergedSwarm, files: number, memberName: typeof MemberName, provesNothing: string): string {
  const id = m.identity;
  const params = Object.entries(id.params).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  const lines = [
    `SWARM ${id.model} --variant ${id.variant}${params ? ` ${params}` : ''}: ${m.members.length} of ${m.swarm.size} members from ${files} report${files === 1 ? '' : 's'}, ${thousands(m.runs)} runs (seed ${m.swarm.seed}, depth up to ${m.swarm.depth})`,
  ];
  for (const x of m.members) {
    const what = x.status === 'violated' ? `VIOLATED ${x.violation!.property} (${x.violation!.steps} steps, run ${thousands(x.runsDone)})` : x.status === 'error' ? `error: ${x.message ?? ''}` : `no violation in ${thousands(x.runsDone)} runs`;
    lines.push(`  ${memberName({ ...x, of: m.swarm.size })}: ${what}, ${seconds(x.timeMs)}`);
  }
  if (m.missing.length > 0) lines.push(`Missing: no report covers member${m.missing.length === 1 ? '' : 's'} ${m.missing.join(', ')}: the swarm is partial.`);
  if (m.violations.length > 0) {
    // The merge reads these paths from report files and does not run them: it says who reported
    // each and how to confirm it, never that it is real.
    lines.push('Violations reported by the members (read from their reports, not re-run here: confirm each with kmc replay):');
    for (const v of m.violations)
      lines.push(`  ${v.property}: ${v.message} (${v.steps} steps, member ${v.member})\n    kmc replay ${id.model} --variant ${id.variant}${Object.entries(id.params).map(([k, val]) => ` --param ${k}=${String(val)}`).join('')} ${v.replay}`);
  } else lines.push(m.errors.length > 0 ? `No violation found; ${m.errors.length} member(s) stopped on an error.` : 'NO VIOLATION FOUND by any member.');
  lines.push(provesNothing);
  lines.push(`Properties checked: ${id.properties.filter((n) => !m.notChecked.includes(n)).join(', ')}`);
  if (m.notChecked.length > 0) lines.push(`Not checked (liveness needs the whole state graph: kmc check): ${m.notChecked.join(', ')}`);
  return lines.join('\n');
}

export function registerSwarm(program: Command, io: Io, setExit: (code: number) => void): void {
  const swarm = program.command('swarm').description('swarm random search (kmc simulate --swarm N): merge the members\' reports');
  swarm
    .command('merge')
    .description('merge the --json reports of the members of one swarm; exit 1 a violation was found (it replays), 3 none was (not a proof), 2 bad or mismatched reports')
    .argument('<reports...>', 'swarm report files (kmc simulate --swarm N [--swarm-index i] --json > member-i.json)')
    .option('--json', 'print the merged result as JSON')
    .action(async (files: string[], opts: { json?: boolean }) => {
      // Imported here: the random search's modules (fast-check) are no part of kmc --help.
      const { mergeSwarmReports, memberName, SWARM_PROVES_NOTHING } = await import('../../random/swarm.js');
      const reports = files.map((f) => ({ name: displayPath(f), report: readReport(f) }));
      let merged: MergedSwarm;
      try {
        merged = mergeSwarmReports(reports);
      } catch (e) {
        throw new UsageError(`kmc swarm merge: ${(e as Error).message}`);
      }
      if (opts.json) io.out(JSON.stringify({ ...merged, provesNothing: SWARM_PROVES_NOTHING }, null, 2));
      else io.out(render(merged, files.length, memberName, SWARM_PROVES_NOTHING));
      setExit(merged.violations.length > 0 ? 1 : merged.errors.length > 0 ? 2 : 3);
    });
}
