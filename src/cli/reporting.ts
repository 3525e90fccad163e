// CI outputs of `kmc check`: --reporter json|junit|sarif (to stdout, or --report-file), and the
// expectations file (--expect to compare, --write-expect to write).

import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { UsageError } from '../util/errors.js';
import type { CheckResult } from '../engine/result.js';
import { renderCiJson, renderJunit, renderSarif, type ReportRun } from '../report/ci.js';
import { compareExpectations, expectationsFrom, parseExpectations } from '../report/expectations.js';
import { renderViolation } from '../report/text.js';
import { expandPath } from '../trace/expand.js';
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
        return v && run.model ? expandPath(run.model, v.path).steps.map((s) => ({ thread: s.thread, label: s.label })) : [];
      });
  }
}

export interface ReportingOptions {
  reporter?: ReporterName;
  reportFile?: string;
  expect?: string;
  writeExpect?: string;
}

/** Emits the requested CI outputs; returns the exit code override (from --expect), if any. */
export function emitReports(runs: readonly ReportRun[], o: ReportingOptions, io: Io): number | undefined {
  if (o.reporter) {
    const text = renderReport(o.reporter, runs);
    if (o.reportFile) writeFileSync(o.reportFile, text);
    else io.out(text);
  }
  const results: CheckResult[] = runs.map((r) => r.result);
  if (o.writeExpect) {
    writeFileSync(o.writeExpect, JSON.stringify(expectationsFrom(results), null, 2) + '\n');
    io.err(`kmc: wrote expectations for ${results.length} model × variant runs to ${o.writeExpect}`);
  }
  if (o.expect) {
    if (!existsSync(o.expect)) throw new UsageError(`no expectations file at ${o.expect}`);
    const diffs = compareExpectations(results, parseExpectations(readFileSync(o.expect, 'utf8'), o.expect));
    if (diffs.length === 0) {
      io.err(`kmc: every verdict and state count matches ${o.expect} (${results.length} runs)`);
      return 0;
    }
    io.err(`kmc: ${diffs.length} difference${diffs.length === 1 ? '' : 's'} from ${o.expect}:\n${diffs.map((d) => `  ${d}`).join('\n')}`);
    return 1;
  }
  return undefined;
}
