// CI outputs of `kmc check`: --reporter json|junit|sarif (to stdout, or --report-file), and the
// expectations file (--expect to compare, --write-expect to write).

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../util/errors.js';
import type { CheckResult } from '../engine/result.js';
import { renderCiJson, renderJunit, renderSarif, type ReportRun } from '../report/ci.js';
import { compareExpectations, expectationsFrom, parseExpectations, type Expectations } from '../report/expectations.js';
import { writeOutputFile } from '../util/output-file.js';
import { readInputFile } from '../util/input-file.js';
import { renderViolation } from '../report/text.js';
import { traceOf, type TraceStep } from '../trace/expand.js';
import type { CompiledModel } from '../model/compile.js';
import { VERSION } from './version.js';
import type { Io } from './io.js';

export const REPORTERS = ['json', 'junit', 'sarif'] as const;
export type ReporterName = (typeof REPORTERS)[number];

export function parseReporter(v: string): ReporterName {
  if (!(REPORTERS as readonly string[]).includes(v)) throw new UsageError(`--reporter must be one of ${REPORTERS.join(', ')}, not '${v}'`);
  return v as ReporterName;
}

function violationOf(run: ReportRun, property: string) {
  return run.result.status === 'violated' ? run.result.violations.find((v) => v.property === property) : undefined;
}

export function renderReport(name: ReporterName, runs: readonly ReportRun[]): string {
  switch (name) {
    case 'json':
      return renderCiJson(runs, VERSION);
    case 'junit':
      return renderJunit(runs, (run, property) => {
        const v = violationOf(run, property);
        return v && run.model ? renderViolation(run.model, v) : '';
      });
    case 'sarif':
      return renderSarif(runs, VERSION, (run, property) => {
        const v = violationOf(run, property);
        const model = run.model;
        if (!v || !model) return [];
        return traceOf(model, v).steps.map((s) => ({ thread: s.thread, label: s.label, where: stepWhere(model, s) }));
      });
  }
}

/** Where the model defines a trace step (the action's `where`, set by the step builders). */
function stepWhere(model: CompiledModel, s: TraceStep) {
  const loc = model.threads[s.threadIndex]?.locations[model.threads[s.threadIndex]!.ids.get(s.id) ?? -1];
  return loc?.actions.find((a) => a.label === s.label)?.def.where;
}

export interface ReportingOptions {
  reporter?: ReporterName;
  reportFile?: string;
  expect?: string;
  writeExpect?: string;
  force?: boolean;
}

/** Is the beginning of a file a report kmc wrote (JSON, JUnit XML or SARIF naming the tool)? */
function isKmcReport(head: string): boolean {
  return /"tool":\s*"kmc"|<testsuites name="kmc"|"name":\s*"kmc"/.test(head);
}

function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/**
 * Option combinations that cannot work, refused before any search runs. --expect F with
 * --write-expect F is refused rather than ordered: compared after writing, F always matches
 * (CI would pass whatever the run found); compared before writing, the run would pass or fail
 * once and then have rewritten the reference it is judged by, so the next run passes anyway.
 */
export function checkReportingOptions(o: ReportingOptions): void {
  if (o.reportFile !== undefined && !o.reporter) throw new UsageError('--report-file goes with --reporter json|junit|sarif (it names where that report goes)');
  if (o.reportFile === '') throw new UsageError('--report-file: the file name is empty');
  if (o.expect === '' || o.writeExpect === '') throw new UsageError(`--${o.expect === '' ? 'expect' : 'write-expect'}: the file name is empty`);
  if (o.expect !== undefined && o.writeExpect !== undefined && sameFile(o.expect, o.writeExpect))
    throw new UsageError(
      `--expect and --write-expect name the same file (${o.expect}): the run would be compared with what it just wrote and always pass; compare with --expect, or rewrite the file with --write-expect, not both at once`,
    );
}

/** The model × variant runs an expectations file covers that `fresh` does not. */
function dropped(old: Expectations, fresh: Expectations): string[] {
  const out: string[] = [];
  for (const [m, variants] of Object.entries(old)) for (const v of Object.keys(variants)) if (!Object.hasOwn(fresh, m) || !Object.hasOwn(fresh[m]!, v)) out.push(`${m} ${v}`);
  return out;
}

function writeExpectations(file: string, fresh: Expectations, force: boolean | undefined): void {
  const what = '--write-expect file';
  if (!force && existsSync(file) && statSync(file).isFile()) {
    let old: Expectations;
    try {
      old = parseExpectations(readInputFile(file, 'expectations file'), file);
    } catch {
      throw new UsageError(`cannot write ${what} ${file}: the file there is not a kmc expectations file; use --force to replace it, or choose another name`);
    }
    const lost = dropped(old, fresh);
    if (lost.length)
      throw new UsageError(
        `cannot write ${what} ${file}: it has expectations for ${lost.length} model × variant run${lost.length === 1 ? '' : 's'} this run did not check (${lost.slice(0, 3).join(', ')}${lost.length > 3 ? ', …' : ''}); writing would drop them: use --force to replace it, or write another file`,
      );
  }
  writeOutputFile(file, JSON.stringify(fresh, null, 2) + '\n', { what, named: true, force });
}

/** Emits the requested CI outputs; returns the exit code override (from --expect), if any. */
export function emitReports(runs: readonly ReportRun[], o: ReportingOptions, io: Io): number | undefined {
  checkReportingOptions(o);
  if (o.reporter) {
    const text = renderReport(o.reporter, runs);
    if (o.reportFile) writeOutputFile(o.reportFile, text, { what: '--report-file', named: true, force: o.force, sameKind: isKmcReport, kind: 'a kmc report' });
    else io.out(text);
  }
  const results: CheckResult[] = runs.map((r) => r.result);
  // Read the expectations before anything is written: nothing this run writes is compared.
  let diffs: string[] | undefined;
  if (o.expect) {
    if (!existsSync(o.expect)) throw new UsageError(`no expectations file at ${o.expect}`);
    diffs = compareExpectations(results, parseExpectations(readInputFile(o.expect, 'expectations file'), o.expect));
  }
  if (o.writeExpect) {
    writeExpectations(o.writeExpect, expectationsFrom(results), o.force);
    io.err(`kmc: wrote expectations for ${results.length} model × variant runs to ${o.writeExpect}`);
  }
  if (diffs) {
    if (diffs.length === 0) {
      io.err(`kmc: every verdict and state count matches ${o.expect} (${results.length} runs)`);
      return 0;
    }
    io.err(`kmc: ${diffs.length} difference${diffs.length === 1 ? '' : 's'} from ${o.expect}:\n${diffs.map((d) => `  ${d}`).join('\n')}`);
    return 1;
  }
  return undefined;
}
