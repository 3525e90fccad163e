// The CI reporters: one result per model × variant × property, each output validated against
// its schema (kmc's JSON schema, the SARIF 2.1.0 schema, a JUnit XSD).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { validateXML } from 'xmllint-wasm';
import { check } from '../../src/engine/check.js';
import { compileModel } from '../../src/model/compile.js';
import type { ReportRun } from '../../src/report/ci.js';
import { flattenRuns } from '../../src/report/ci.js';
import { renderReport } from '../../src/cli/reporting.js';
import * as tb from '../fixtures/textbook.js';
import * as vacuous from '../fixtures/models/vacuous.js';
import { spinner, spinnerProps } from '../fixtures/liveness-textbook.js';

const require = createRequire(import.meta.url);
// CommonJS packages whose types declare only `export default`: under NodeNext the default import is
// the module object, whose `default` is the class (at run time both are).
const AjvDraft04 = AjvDraft04Module.default;
const addFormats = addFormatsModule.default;
const sarifSchema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
const kmcSchema = JSON.parse(readFileSync(new URL('../../schemas/kmc-ci-report.schema.json', import.meta.url), 'utf8'));
const junitXsd = readFileSync(new URL('../../schemas/junit.xsd', import.meta.url), 'utf8');

function run(def: any, props: any, variant: string, extra: Record<string, unknown> = {}): ReportRun {
  const result = check(def, props, { variant, ...extra });
  return { result, model: compileModel(def, { variant }), source: 'tests/fixtures/textbook.ts' };
}

const runs: ReportRun[] = [
  run(tb.lostUpdate, tb.lostUpdateProps, 'racy'),
  run(tb.lostUpdate, tb.lostUpdateProps, 'atomic'),
  run(tb.abba, tb.abbaProps, 'abba'),
  run(tb.peterson, tb.petersonProps, 'correct', { maxStates: 5 }),
  // Three of its properties hold only vacuously: "holds-not-exercised", never "holds".
  run(vacuous.model, vacuous.properties, 'unreached'),
  run(spinner, spinnerProps, 'buggy'),
];

describe('CI rows', () => {
  it('has one row per model × variant × property with the checker’s verdicts', () => {
    const rows = flattenRuns(runs);
    expect(rows.map((r) => `${r.model} ${r.variant} ${r.property} ${r.status}`)).toEqual([
      'lost-update racy no-lost-update violated',
      'lost-update racy deadlock holds',
      'lost-update racy livelock holds-not-exercised', // every run ends: no loop to livelock in
      'lost-update atomic no-lost-update holds',
      'lost-update atomic deadlock holds',
      'lost-update atomic livelock holds-not-exercised',
      'abba abba deadlock violated',
      'abba abba livelock holds-not-exercised',
      'peterson correct mutex unknown',
      'peterson correct deadlock unknown',
      'peterson correct livelock unknown',
      'vacuous unreached x-nonneg holds',
      'vacuous unreached two-means-flag holds-not-exercised',
      'vacuous unreached second-branch-needs-flag holds-not-exercised',
      'vacuous unreached x-warn holds-not-exercised',
      'vacuous unreached deadlock holds',
      'spinner buggy deadlock holds',
      'spinner buggy livelock violated',
      'spinner buggy waiter-leaves violated',
    ]);
    expect(rows.find((r) => r.property === 'x-warn')!.message).toMatch(/^holds, not exercised \(no step evaluated its check \(WARN_ON\(x < 0\)\)\)/);
    const racy = rows[0]!;
    expect(racy.traceLength).toBe(4);
    expect(racy.replay).toMatch(/^\d+(\/\d+){3}$/);
    // A lasso: its loop index, and the message says which steps repeat.
    const livelock = rows.find((r) => r.model === 'spinner' && r.property === 'livelock')!;
    expect({ replay: livelock.replay, loop: livelock.loop }).toEqual({ replay: '1/0/0', loop: 1 });
    expect(livelock.message).toMatch(/a lasso: after step 1 the steps to 3 repeat for ever; replay with --loop 1/);
  });
});

describe('kmc JSON report', () => {
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
  const validate = ajv.compile(kmcSchema);
  it('validates against schemas/kmc-ci-report.schema.json', () => {
    const doc = JSON.parse(renderReport('json', runs));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });
  it('the schema rejects a malformed report (the check can fail)', () => {
    const doc = JSON.parse(renderReport('json', runs));
    doc.results[0].status = 'fine';
    expect(validate(doc)).toBe(false);
  });
});

describe('SARIF report', () => {
  // The schema's patterns are written for ECMAScript without the unicode flag.
  const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(sarifSchema);
  it('validates against the SARIF 2.1.0 schema', () => {
    const doc = JSON.parse(renderReport('sarif', runs));
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const results = doc.runs[0].results as { kind: string; ruleId: string; codeFlows?: unknown[] }[];
    expect(results).toHaveLength(19);
    expect(results.map((r) => r.kind)).toEqual([
      ...['fail', 'pass', 'notApplicable'], // lost-update racy (livelock: no run loops)
      ...['pass', 'pass', 'notApplicable'], // lost-update atomic
      ...['fail', 'notApplicable'], // abba
      ...['open', 'open', 'open'], // peterson, cut short
      ...['pass', 'notApplicable', 'notApplicable', 'notApplicable', 'pass'], // vacuous (livelock opted out)
      ...['pass', 'fail', 'fail'], // spinner: livelock and waiter-leaves violated
    ]);
    expect(results[0]!.codeFlows).toHaveLength(1);
  });
  it('the schema rejects a malformed log (the check can fail)', () => {
    const doc = JSON.parse(renderReport('sarif', runs));
    doc.runs[0].results[0].kind = 'broken';
    expect(validate(doc)).toBe(false);
  });
});

describe('JUnit report', () => {
  it('validates against the JUnit XSD and counts failures', async () => {
    const xml = renderReport('junit', runs);
    const v = await validateXML({ xml: [{ fileName: 'report.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: junitXsd }] });
    expect(v.errors).toEqual([]);
    expect(v.valid).toBe(true);
    expect(xml).toContain('<testsuites name="kmc" tests="19" failures="4" errors="0" skipped="9">');
    expect(xml).toContain('lost-update.racy');
  });
  it('the XSD rejects a malformed report (the check can fail)', async () => {
    const xml = renderReport('junit', runs).replace('<testcase ', '<testcas ').replace('</testcase>', '</testcas>');
    const v = await validateXML({ xml: [{ fileName: 'report.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: junitXsd }] });
    expect(v.valid).toBe(false);
  });
});
