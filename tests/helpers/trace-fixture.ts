// Shortest-counterexample fixtures: each violation's trace is kept in
// tests/fixtures/traces/<model>/<variant>--<property>.json as the replay path plus, for each
// step, the thread and the C statement, so a test checks the trace step by step. A missing
// fixture is written when KMC_UPDATE_FIXTURES=1 and is otherwise a failure: a fixture is never
// created silently by a normal test run.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { CompiledModel } from '../../src/model/compile.js';
import type { CheckResult } from '../../src/engine/result.js';
import { formatPath } from '../../src/engine/chooser.js';
import { expandPath } from '../../src/trace/expand.js';

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'traces');

export interface TraceFixture {
  model: string;
  variant: string;
  params: Record<string, number | boolean>;
  property: string;
  path: string;
  length: number;
  steps: { thread: string; label: string }[];
}

export function fixtureFile(model: string, variant: string, property: string, suffix = ''): string {
  const safe = (s: string) => s.replace(/[^\w.-]+/g, '_');
  return join(FIXTURE_DIR, safe(model), `${safe(variant)}--${safe(property)}${suffix}.json`);
}

/** Check every violation of `result` against its fixture (step by step). */
export function expectTraceFixtures(model: CompiledModel, result: CheckResult, suffix = ''): void {
  if (result.status !== 'violated') return;
  for (const v of result.violations) {
    const trace = expandPath(model, v.path);
    const actual: TraceFixture = {
      model: model.name,
      variant: model.variant,
      params: { ...model.params },
      property: v.property,
      path: formatPath(v.path),
      length: v.path.length,
      steps: trace.steps.map((s) => ({ thread: s.thread, label: s.label })),
    };
    const file = fixtureFile(model.name, model.variant, v.property, suffix);
    if (!existsSync(file)) {
      if (process.env.KMC_UPDATE_FIXTURES === '1') {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(actual, null, 2) + '\n');
        continue;
      }
      throw new Error(`missing trace fixture ${file} (run the test with KMC_UPDATE_FIXTURES=1 once, then review it)`);
    }
    const expected = JSON.parse(readFileSync(file, 'utf8')) as TraceFixture;
    expect(actual.params).toEqual(expected.params);
    expect(actual.length).toBe(expected.length);
    // Step by step, so a difference names the first step that diverged.
    for (let i = 0; i < expected.steps.length; i++) expect({ step: i + 1, ...actual.steps[i] }).toEqual({ step: i + 1, ...expected.steps[i] });
    expect(actual.path).toBe(expected.path);
  }
}
