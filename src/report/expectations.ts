// Expectations files for CI: model × variant → distinct-state count and, per property, holds or
// violated. `kmc check --all --expect FILE` compares every run with the file and exits 0 only
// when every verdict and every count matches, so a change in a model or in the engine fails CI.
// `--write-expect FILE` writes the file from the current results (to be reviewed, then kept).

import { UsageError } from '../util/errors.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../util/input-file.js';
import { ownKey } from '../util/own.js';
import type { CheckResult } from '../engine/result.js';
import { verdictWord } from './holds.js';

/** 'holds, not exercised': it holds only vacuously (src/engine/coverage.ts); a change either way is a difference. */
export type ExpectedVerdict = 'holds' | 'holds, not exercised' | 'violated';
const VERDICTS: readonly string[] = ['holds', 'holds, not exercised', 'violated'];

export interface Expectations {
  /** model -> variant -> expectation */
  [model: string]: { [variant: string]: { states: number; properties: { [property: string]: ExpectedVerdict } } };
}

export function expectationsFrom(results: readonly CheckResult[]): Expectations {
  const out: Expectations = {};
  for (const r of results) {
    if (r.status === 'error') throw new UsageError(`cannot write expectations: ${r.run.model} ${r.run.variant} failed: ${r.message}`);
    if (r.status === 'incomplete' || (r.status === 'violated' && !r.complete))
      throw new UsageError(`cannot write expectations: ${r.run.model} ${r.run.variant} was not explored completely`);
    const props: Record<string, ExpectedVerdict> = {};
    for (const p of r.properties) props[p.name] = verdictWord(p) as ExpectedVerdict;
    (out[r.run.model] ??= {})[r.run.variant] = { states: r.stats.states, properties: props };
  }
  return out;
}

export function parseExpectations(text: string, file: string): Expectations {
  let data: unknown;
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new UsageError(`expectations file ${file}: JSON nested more than ${MAX_JSON_DEPTH} levels deep; no expectations file nests like that`);
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`expectations file ${file} is not JSON: ${(e as Error).message}`);
  }
  const fail = (where: string, what: string): never => {
    throw new UsageError(`expectations file ${file}: ${where}: ${what}`);
  };
  if (data === null || typeof data !== 'object' || Array.isArray(data)) fail('top level', 'expected an object of models');
  for (const [m, variants] of Object.entries(data as Record<string, unknown>)) {
    if (variants === null || typeof variants !== 'object') fail(m, 'expected an object of variants');
    for (const [v, e] of Object.entries(variants as Record<string, unknown>)) {
      const ex = e as { states?: unknown; properties?: unknown };
      if (!ex || typeof ex !== 'object') fail(`${m}.${v}`, 'expected { states, properties }');
      if (!Number.isInteger(ex.states)) fail(`${m}.${v}.states`, 'expected a whole number');
      if (!ex.properties || typeof ex.properties !== 'object') fail(`${m}.${v}.properties`, 'expected an object');
      for (const [p, verdict] of Object.entries(ex.properties as Record<string, unknown>))
        if (typeof verdict !== 'string' || !VERDICTS.includes(verdict))
          fail(`${m}.${v}.properties.${p}`, `expected ${VERDICTS.map((x) => JSON.stringify(x)).join(', ')}, not ${JSON.stringify(verdict)}`);
    }
  }
  return data as Expectations;
}

/** Every difference between results and expectations, one line each (empty: all match). */
export function compareExpectations(results: readonly CheckResult[], expected: Expectations): string[] {
  const diffs: string[] = [];
  const seen = new Set<string>();
  for (const r of results) {
    const key = `${r.run.model} ${r.run.variant}`;
    seen.add(key);
    const forModel = ownKey(expected, r.run.model);
    const e = forModel && ownKey(forModel, r.run.variant);
    if (!e) {
      diffs.push(`${key}: not in the expectations file`);
      continue;
    }
    if (r.status === 'error') {
      diffs.push(`${key}: error: ${r.message}`);
      continue;
    }
    const complete = r.status === 'verified' || (r.status === 'violated' && r.complete);
    if (!complete) diffs.push(`${key}: the search was incomplete (${r.status === 'incomplete' ? r.stoppedBy : 'stopped early'}): nothing to compare`);
    else if (r.stats.states !== e.states) diffs.push(`${key}: ${r.stats.states} distinct states, expected ${e.states}`);
    for (const p of r.properties) {
      const want = ownKey(e.properties, p.name);
      if (want === undefined) diffs.push(`${key}: property ${p.name} is not in the expectations file`);
      else if (p.status === 'unknown') diffs.push(`${key}: property ${p.name} unknown (incomplete search), expected ${want}`);
      else if (verdictWord(p) !== want) diffs.push(`${key}: property ${p.name} ${verdictWord(p)}, expected ${want}`);
    }
    for (const name of Object.keys(e.properties))
      if (!r.properties.some((p) => p.name === name)) diffs.push(`${key}: expected property ${name} was not checked`);
  }
  for (const [m, variants] of Object.entries(expected))
    for (const v of Object.keys(variants)) if (!seen.has(`${m} ${v}`)) diffs.push(`${m} ${v}: expected but not checked`);
  return diffs;
}
