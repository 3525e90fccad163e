// CI reports: one result per model × variant × property, in kmc's JSON, JUnit XML or SARIF.

import type { CompiledModel } from '../model/compile.js';
import type { CheckResult } from '../engine/result.js';
import { formatPath } from '../engine/chooser.js';
import { holdsClaim } from './holds.js';
import type { SourceLocation } from '../model/where.js';
import { displayPath } from '../util/display-path.js';

export interface ReportRun {
  result: CheckResult;
  model: CompiledModel | undefined;
  /** The model's source file, for SARIF locations. */
  source?: string | undefined;
}

/** 'holds-not-exercised': the property holds only vacuously (src/engine/coverage.ts); not a pass. */
export type CiStatus = 'holds' | 'holds-not-exercised' | 'violated' | 'unknown' | 'error';

export interface CiRow {
  model: string;
  variant: string;
  params: Record<string, number | boolean>;
  property: string;
  kind: string;
  doc: string;
  status: CiStatus;
  /** Distinct states explored (null for an error). */
  states: number | null;
  complete: boolean;
  timeMs: number | null;
  traceLength: number | null;
  replay: string | null;
  message: string;
  source: string | null;
  /** A lasso (liveness): the steps after this many repeat for ever. */
  loop?: number;
}

export function flattenRuns(runs: readonly ReportRun[]): CiRow[] {
  const rows: CiRow[] = [];
  for (const { result: r, source } of runs) {
    const base = { model: r.run.model, variant: r.run.variant, params: r.run.params, source: source ?? null };
    if (r.status === 'error') {
      rows.push({ ...base, property: '(model)', kind: 'error', doc: 'the model runs', status: 'error', states: null, complete: false, timeMs: null, traceLength: null, replay: null, message: r.message });
      continue;
    }
    const complete = r.status === 'verified' || (r.status === 'violated' && r.complete);
    for (const p of r.properties) {
      rows.push({
        ...base,
        property: p.name,
        kind: p.kind,
        doc: p.doc,
        status: p.status === 'holds' && p.notExercised !== undefined ? 'holds-not-exercised' : p.status,
        states: r.stats.states,
        complete,
        timeMs: r.stats.timeMs,
        traceLength: p.status === 'violated' ? p.violation.path.length : null,
        replay: p.status === 'violated' ? formatPath(p.violation.path) : null,
        ...(p.status === 'violated' && p.violation.loop !== undefined ? { loop: p.violation.loop } : {}),
        message:
          p.status === 'violated'
            ? p.violation.message + (p.violation.loop !== undefined ? ` (a lasso: after step ${p.violation.loop} the steps to ${p.violation.path.length} repeat for ever; replay with --loop ${p.violation.loop})` : '')
            : p.status === 'holds'
              ? p.notExercised !== undefined
                ? `holds, not exercised (${p.notExercised}): it holds only vacuously ${holdsClaim(r)}`
                : `holds ${holdsClaim(r)}`
              : `unknown: the search stopped early (${r.status === 'incomplete' ? r.stoppedBy : (r.status === 'violated' ? r.stoppedBy : '') ?? 'bound'}) before finding a violation`,
      });
    }
  }
  return rows;
}

export function renderCiJson(runs: readonly ReportRun[], version: string): string {
  return JSON.stringify({ tool: 'kmc', version, results: flattenRuns(runs) }, null, 2);
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** JUnit XML: a testsuite per model × variant, a testcase per property. */
export function renderJunit(runs: readonly ReportRun[], traceText: (run: ReportRun, property: string) => string): string {
  const rows = flattenRuns(runs);
  const suites = new Map<string, CiRow[]>();
  for (const r of rows) {
    const key = `${r.model} ${r.variant}`;
    suites.set(key, [...(suites.get(key) ?? []), r]);
  }
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const count = (rs: CiRow[], s: CiStatus) => rs.filter((r) => r.status === s).length;
  const skipped = (rs: CiRow[]) => count(rs, 'unknown') + count(rs, 'holds-not-exercised');
  out.push(`<testsuites name="kmc" tests="${rows.length}" failures="${count(rows, 'violated')}" errors="${count(rows, 'error')}" skipped="${skipped(rows)}">`);
  let i = 0;
  for (const [name, rs] of suites) {
    const time = ((rs[0]!.timeMs ?? 0) / 1000).toFixed(3);
    out.push(`  <testsuite name="${xml(name)}" id="${i++}" tests="${rs.length}" failures="${count(rs, 'violated')}" errors="${count(rs, 'error')}" skipped="${skipped(rs)}" time="${time}">`);
    for (const r of rs) {
      const run = runs.find((x) => x.result.run.model === r.model && x.result.run.variant === r.variant)!;
      out.push(`    <testcase classname="${xml(`${r.model}.${r.variant}`)}" name="${xml(r.property)}" time="${time}">`);
      if (r.status === 'violated')
        out.push(`      <failure message="${xml(r.message)}" type="${xml(r.kind)}">${xml(`replay: ${r.replay}\n${traceText(run, r.property)}`)}</failure>`);
      else if (r.status === 'error') out.push(`      <error message="${xml(r.message)}" type="model-error"/>`);
      else if (r.status === 'unknown' || r.status === 'holds-not-exercised') out.push(`      <skipped message="${xml(r.message)}"/>`);
      out.push(`      <system-out>${xml(`${r.doc}\n${r.states ?? '-'} distinct states${r.complete ? '' : ' (incomplete)'}`)}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

/**
 * SARIF 2.1.0: one rule per property, one result per model × variant × property, with
 * kind pass / fail / open; a violation carries its trace as a code flow (one thread flow per
 * step sequence, each location the C statement).
 */
/** A SARIF artifact URI: the path relative to the working directory, forward slashes, no leading ./ */
export function sarifUri(file: string): string {
  return displayPath(file).replace(/^\.\//, '');
}

/** A step's SARIF physical location: its own file and line when known, else the model's file. */
function physical(where: SourceLocation | undefined, source: string | null): Record<string, unknown> | undefined {
  if (where && where.file !== '') return { artifactLocation: { uri: sarifUri(where.file) }, region: { startLine: where.line } };
  return source ? { artifactLocation: { uri: sarifUri(source) } } : undefined;
}

function physicalProp(p: Record<string, unknown> | undefined): { physicalLocation?: Record<string, unknown> } {
  return p ? { physicalLocation: p } : {};
}

export function renderSarif(
  runs: readonly ReportRun[],
  version: string,
  traceSteps: (run: ReportRun, property: string) => { thread: string; label: string; where?: SourceLocation | undefined }[],
): string {
  const rows = flattenRuns(runs);
  const ruleIds = [...new Set(rows.map((r) => `${r.model}/${r.property}`))];
  const rules = ruleIds.map((id) => {
    const r = rows.find((x) => `${x.model}/${x.property}` === id)!;
    return { id, name: r.property, shortDescription: { text: r.doc }, properties: { kind: r.kind } };
  });
  const results = rows.map((r) => {
    const run = runs.find((x) => x.result.run.model === r.model && x.result.run.variant === r.variant)!;
    const res: Record<string, unknown> = {
      ruleId: `${r.model}/${r.property}`,
      ruleIndex: ruleIds.indexOf(`${r.model}/${r.property}`),
      // A vacuous "holds" did not apply to anything the search reached.
      kind: r.status === 'holds' ? 'pass' : r.status === 'holds-not-exercised' ? 'notApplicable' : r.status === 'violated' ? 'fail' : r.status === 'unknown' ? 'open' : 'fail',
      level: r.status === 'violated' || r.status === 'error' ? 'error' : 'none',
      message: { text: `${r.model} --variant ${r.variant}: ${r.message}` },
      properties: { variant: r.variant, params: r.params, states: r.states, complete: r.complete, traceLength: r.traceLength, replay: r.replay },
    };
    const steps = r.status === 'violated' ? traceSteps(run, r.property) : [];
    // The result points at the step that broke the property (the model file's line), else the file.
    const last = steps.length ? physical(steps[steps.length - 1]!.where, r.source) : undefined;
    if (last) res.locations = [{ physicalLocation: last }];
    else if (r.source) res.locations = [{ physicalLocation: { artifactLocation: { uri: sarifUri(r.source) } } }];
    if (r.status === 'violated') {
      res.codeFlows = [
        {
          message: { text: `replay ${r.replay}` },
          threadFlows: [
            {
              locations: steps.map((s, i) => ({
                executionOrder: i + 1,
                location: { message: { text: `${s.thread}: ${s.label}` }, ...physicalProp(physical(s.where, r.source)) },
              })),
            },
          ],
        },
      ];
    }
    return res;
  });
  return JSON.stringify(
    {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [{ tool: { driver: { name: 'kmc', version, rules } }, results }],
    },
    null,
    2,
  );
}
