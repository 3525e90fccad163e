// The step-code cache (src/cli/step-cache.ts): the code one run generated seeds the next run's
// compiler, which then generates nothing for the same model; the file is data: a corrupt body,
// a header naming another key, a body that is not the expected JSON, or a valid file holding
// another model's code is never used for this model's steps (the compiler derives each key
// itself), and the run's own code replaces it. KMC_NO_MODEL_CACHE=1 reads and writes nothing.
// forgetGenerated() stands for the next process (an empty in-memory cache).

import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStepCache } from '../../src/cli/step-cache.js';
import { check } from '../../src/engine/check.js';
import { compileModel, compileSteps } from '../../src/model/compile.js';
import type { ModelDef } from '../../src/model/index.js';
import { boundConstantModel as model } from '../fixtures/bound-constant.js';
import { forgetGenerated, straightCounts } from '../../src/model/straight.js';

const SOURCE = '/project/models/steps.ts';
let work: string;
let dir: string;
let n = 0;
const saved = { dir: process.env.KMC_CACHE_DIR, off: process.env.KMC_NO_MODEL_CACHE };
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kmc-step-cache-'));
  delete process.env.KMC_NO_MODEL_CACHE;
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  for (const [k, v] of [
    ['KMC_CACHE_DIR', saved.dir],
    ['KMC_NO_MODEL_CACHE', saved.off],
  ] as const)
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
});
afterEach(() => forgetGenerated());

/** A run in a new process: the cache opened for the compiled model, every step compiled, the cache saved. Its counts. */
function run(def: ModelDef<any>, source = SOURCE): { seeded: number | undefined; generated: number; taken: number } {
  forgetGenerated();
  const before = { ...straightCounts };
  const m = compileModel(def);
  const cache = openStepCache(source, m);
  compileSteps(m);
  cache?.save();
  return { seeded: cache?.seeded, generated: straightCounts.generated - before.generated, taken: straightCounts.seeded - before.seeded };
}

const stepFiles = () => readdirSync(dir).filter((f) => f.endsWith('.steps.json'));
const only = () => {
  const f = stepFiles();
  expect(f).toHaveLength(1);
  return join(dir, f[0]!);
};
/** The file rewritten with `edit`'s body under a header that names its hash (a file the check accepts), or with `header` changed. */
function rewrite(path: string, edit: (body: string) => string, header: (h: string) => string = (h) => h): void {
  const text = readFileSync(path, 'utf8');
  const body = edit(text.slice(text.indexOf('\n') + 1));
  const head = text.slice(0, text.indexOf(' body='));
  writeFileSync(path, `${header(head)} body=${createHash('sha256').update(body).digest('hex')}\n${body}`);
}

describe('the step-code cache', () => {
  it("a run's generated code seeds the next run of the same model, which generates none", () => {
    process.env.KMC_CACHE_DIR = dir = join(work, `c${n++}`);
    const first = run(model(1));
    expect(first.seeded).toBe(0);
    expect(first.generated).toBeGreaterThan(0);
    only();
    const second = run(model(1));
    expect(second.seeded).toBeGreaterThan(0);
    expect(second.generated).toBe(0);
    expect(second.taken).toBe(first.generated);
    // Another model file of the same model name: its own file.
    expect(run(model(1), '/elsewhere/steps.ts').seeded).toBe(0);
    expect(stepFiles()).toHaveLength(2);
  });

  it('a corrupt body, a header naming another key, or a body not of the expected shape is ignored, and the run replaces the file', () => {
    process.env.KMC_CACHE_DIR = dir = join(work, `c${n++}`);
    const first = run(model(1));
    const breakings: ((path: string) => void)[] = [
      (p) => writeFileSync(p, readFileSync(p, 'utf8').replace('"body"', '"bodx"')), // the body's hash no longer matches
      (p) => rewrite(p, (b) => b, (h) => h.replace(/key=([0-9a-f])/, (_, c: string) => `key=${c === '0' ? '1' : '0'}`)),
      (p) => rewrite(p, (b) => b.slice(0, b.length / 2)), // not JSON
      (p) => rewrite(p, (b) => b.replace('"format":"kmc-straight-code 1"', '"format":"kmc-straight-code 0"')),
      (p) => rewrite(p, (b) => b.replace('"temps":[', '"temps":[1,')),
    ];
    for (const [i, breakIt] of breakings.entries()) {
      const path = only();
      const before = readFileSync(path, 'utf8');
      breakIt(path);
      expect(readFileSync(path, 'utf8'), `breaking ${i}`).not.toBe(before);
      const r = run(model(1));
      expect(r.seeded, `breaking ${i}`).toBe(0);
      expect(r.generated, `breaking ${i}`).toBe(first.generated);
      expect(readFileSync(only(), 'utf8'), `breaking ${i}: rewritten`).toBe(before);
      expect(run(model(1)).generated, `breaking ${i}: then read`).toBe(0);
    }
  });

  it("a valid file holding another model's code is never used for this one's steps", () => {
    process.env.KMC_CACHE_DIR = dir = join(work, `c${n++}`);
    const first = run(model(1, 3));
    // model(1, 2)'s file, made of model(1, 3)'s code (another layout: no key in common).
    const other = readFileSync(only(), 'utf8');
    rmSync(only());
    run(model(1));
    const path = only();
    rewrite(path, () => other.slice(other.indexOf('\n') + 1));
    const r = run(model(1));
    expect(r.seeded).toBeGreaterThan(0); // read (it is of the expected shape) ...
    expect(r.taken).toBe(0); // ... but no entry is used
    expect(r.generated).toBe(first.generated);
    expect(check(model(1), [], {}).status).toBe('verified');
  });

  it('KMC_NO_MODEL_CACHE=1 reads and writes nothing', () => {
    process.env.KMC_CACHE_DIR = dir = join(work, `c${n++}`);
    process.env.KMC_NO_MODEL_CACHE = '1';
    try {
      expect(run(model(1)).seeded).toBeUndefined();
      expect(() => readdirSync(dir)).toThrow();
    } finally {
      delete process.env.KMC_NO_MODEL_CACHE;
    }
  });
});
