// "holds, not exercised" in every output (text, JSON, Markdown, expectations, prove), and the
// coverage report itself (`--coverage`). The CI reporters: ci.test.ts.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import { prove } from '../../src/engine/prove.js';
import { compileModel } from '../../src/model/compile.js';
import { renderCoverage } from '../../src/report/coverage.js';
import { compareExpectations, expectationsFrom } from '../../src/report/expectations.js';
import { resultToJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderHtml } from '../../src/report/html.js';
import { proveToJson } from '../../src/report/prove-json.js';
import { renderProveText } from '../../src/report/prove.js';
import { renderResult } from '../../src/report/text.js';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { model, properties } from '../fixtures/models/vacuous.js';
import { expectValid, validateProve } from './json-schemas.js';

const unreached = check(model, properties, { variant: 'unreached' });
const reached = check(model, properties, { variant: 'reached' });
const compiled = compileModel(model, { variant: 'unreached' });

describe('text', () => {
  it('says "holds, not exercised" and why, in the headline and the property list', () => {
    const text = renderResult(compiled, unreached);
    expect(text.split('\n')[0]).toMatch(/^VERIFIED vacuous --variant unreached: every property holds .*; not exercised \(holds only vacuously\): two-means-flag, second-branch-needs-flag, x-warn$/);
    expect(text).toMatch(/holds, not exercised +x-warn: /);
    expect(text).toContain('(not exercised: no step evaluated its check (WARN_ON(x < 0)))');
    expect(text).toMatch(/holds +x-nonneg: /);
    expect(renderResult(compiled, reached)).not.toContain('not exercised');
  });

  it('--coverage lists each step with its count and marks the ones that never ran', () => {
    const text = renderCoverage(unreached);
    expect(text).toContain('Coverage (transitions the exhaustive search executed):');
    expect(text).toContain('a: 1 of 2 steps ran; unreached: 1');
    expect(text).toMatch(/ 0 {2}pick: x = 2 \(needs the flag\) {3}<- never ran/);
    expect(text).toMatch(/9 {2}pick: x = 1$/m);
    expect(text).toContain('Properties not exercised (they hold only vacuously):');
    expect(renderCoverage(reached)).toContain('Every property that holds was exercised.');
  });

  it('with reductions, says the counts are of the reduced search', () => {
    const r = check(model, properties, { variant: 'reached', symmetry: true });
    expect(renderCoverage(r)).toContain('transitions the reduced search executed (symmetry over helpers)');
  });
});

describe('JSON', () => {
  it('every property carries its verdict in words; the coverage only with --coverage', () => {
    const plain = resultToJson(unreached, compiled) as any;
    expect(plain.properties.map((p: any) => p.verdict)).toEqual(['holds', 'holds, not exercised', 'holds, not exercised', 'holds, not exercised', 'holds']); // (the fixture opts out of livelock)
    expect(plain.coverage).toBeUndefined();
    const full = resultToJson(unreached, compiled, { coverage: true }) as any;
    expect(full.coverage.unreached).toEqual([{ thread: 'a', id: 'pick', label: 'pick: x = 2 (needs the flag)', fired: 0 }]);
    expect(full.coverage.steps).toHaveLength(6);
  });
});

describe('Markdown (the README table)', () => {
  it('marks a vacuous property in its row and says why under the table', () => {
    const md = renderMarkdown([{ result: unreached, model: compiled }]);
    expect(md).toContain('| vacuous | unreached | sc | two-means-flag | holds, *not exercised* ‡ |');
    expect(md).toContain('| vacuous | unreached | sc | x-nonneg | holds |');
    expect(md).toContain('- vacuous unreached, two-means-flag: its antecedent (when ...) held in no reachable state');
    expect(renderMarkdown([{ result: reached, model: compiled }])).not.toContain('‡');
  });
});

describe('HTML', () => {
  it('the page carries every verdict in words, "holds, not exercised" included', () => {
    const page = renderHtml([], 'kmc: test', 'holds, not exercised: x-warn (no step evaluated its check (WARN_ON(x < 0)))');
    expect(page).toContain('<pre class="summary">holds, not exercised: x-warn (no step evaluated its check (WARN_ON(x &lt; 0)))</pre>');
    expect(renderHtml([], 'kmc: test')).not.toContain('class="summary"');
  });
});

describe('expectations', () => {
  it('record "holds, not exercised", and a flip either way is a difference', () => {
    const e = expectationsFrom([unreached]);
    expect(e.vacuous!.unreached!.properties['x-warn']).toBe('holds, not exercised');
    expect(compareExpectations([unreached], e)).toEqual([]);
    // The mutation exercises it: the expectations file no longer matches.
    const flipped = { vacuous: { reached: e.vacuous!.unreached! } };
    expect(compareExpectations([reached], flipped)).toContain('vacuous reached: property x-warn holds, expected holds, not exercised');
  });
});

describe('prove', () => {
  it('the fixed variant\'s vacuous properties are named in the text and the JSON (schema-valid)', () => {
    const p = prove(model, properties, { from: 'reached', to: 'unreached', property: ['x-warn'] });
    expect(renderProveText(p)).toContain('not exercised (holds only vacuously): x-warn');
    const doc = expectValid(validateProve, JSON.stringify(proveToJson(p, 'test', { coverage: true })));
    expect(doc.fixed.properties).toEqual([{ name: 'x-warn', kind: 'assertion', status: 'holds', verdict: 'holds, not exercised', notExercised: 'no step evaluated its check (WARN_ON(x < 0))' }]);
    expect(doc.fixed.coverage.unreached.map((s: { label: string }) => s.label)).toEqual(['pick: x = 2 (needs the flag)']);
  });
});

describe('kmc check --coverage', () => {
  it('prints the coverage after the verdicts; exit 0 (vacuity does not change the exit code)', async () => {
    const out: string[] = [];
    const io: Io = { out: (t) => void out.push(t), err: () => {}, isTTY: false };
    const code = await run(['node', 'kmc', 'check', 'tests/fixtures/models/vacuous.ts', '--variant', 'unreached', '--coverage', '--no-traces', '--quiet'], io);
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('holds, not exercised');
    expect(text).toContain('<- never ran');
  });

  it('--html puts the verdicts and, with --coverage, the step counts on the page', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmc-coverage-'));
    try {
      const file = join(dir, 'page.html');
      const io: Io = { out: () => {}, err: () => {}, isTTY: false };
      await run(['node', 'kmc', 'check', 'tests/fixtures/models/vacuous.ts', '--variant', 'unreached', '--coverage', '--no-traces', '--quiet', '--html', file], io);
      const page = readFileSync(file, 'utf8');
      expect(page).toContain('holds, not exercised: x-warn (no step evaluated its check (WARN_ON(x &lt; 0)))');
      expect(page).toContain('&lt;- never ran');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
