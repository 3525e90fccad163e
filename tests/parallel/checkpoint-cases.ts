// What the parallel checkpoint tests share: temporary directories, the models they stop and
// resume, and the checkpoint configuration of a case.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { bundled, registry } from '../../models/index.js';
import type { CheckpointConfig } from '../../src/engine/checkpoint/session.js';
import { runIdentity } from '../../src/engine/run-identity.js';
import { compileModel } from '../../src/model/compile.js';
import type { ParallelCheckOptions, ParallelTarget } from '../../src/parallel/index.js';
import { lostUpdateTarget, syntheticTarget } from '../fixtures/parallel/targets.js';
import storeBufferCut, { properties as storeBufferCutProps } from '../fixtures/models/store-buffer-cut.js';

/** A fresh directory per call, removed after the file's tests. */
export function tempDirs(): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), 'kmc-pckpt-'));
    dirs.push(d);
    return d;
  };
}

export interface Case {
  name: string;
  target: ParallelTarget;
  options: ParallelCheckOptions;
}

const xen = bundled.find((e) => e.model.name === 'xen-remove-from-physmap')!;
const hotplug = bundled.find((e) => e.model.name === 'kvm-hotplug')!;
const file = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
/** tests/fixtures/models/store-buffer-cut.ts: under tso with one store-buffer entry, the bound cuts only in the first levels. */
const storeBufferCutTarget: ParallelTarget = { model: storeBufferCut, properties: storeBufferCutProps, source: { kind: 'file', module: file('../fixtures/models/store-buffer-cut.ts') } };
const bundledTarget = (e: (typeof bundled)[number]): ParallelTarget => ({ model: e.model, properties: e.properties, source: { kind: 'bundled', registry: registry.module!, source: e.source } });

export const cases: Case[] = [
  { name: 'synthetic leaky (violated)', target: syntheticTarget, options: { variant: 'leaky', params: { threads: 3, rounds: 3, mod: 4 } } },
  { name: 'synthetic mixed', target: syntheticTarget, options: { variant: 'mixed', params: { threads: 3, rounds: 2, mod: 5 } } },
  { name: 'lost update racy', target: lostUpdateTarget, options: { variant: 'racy', params: { threads: 4 } } },
  { name: 'xen x86-as-posted, symmetry', target: bundledTarget(xen), options: { variant: 'x86-as-posted', symmetry: true } },
  // The store-buffer-bound verdict survives a stop after the levels where the bound cut.
  { name: 'store-buffer-cut tso, cut by the bound', target: storeBufferCutTarget, options: {} },
  { name: 'kvm-hotplug v6.12, preemption bound 1', target: bundledTarget(hotplug), options: { variant: 'v6.12', params: { enableCanFail: false }, preemptionBound: 1 } },
];

/** Far too big to finish during a test (34 million states): only a bound ends it. */
export const huge: Case = { name: 'huge', target: lostUpdateTarget, options: { variant: 'racy', params: { threads: 8 } } };

/** A checkpoint at every level end by default (every expansion count is the sequential search's own). */
export function config(c: Case, dir: string, extra: Partial<CheckpointConfig>): CheckpointConfig {
  const model = compileModel(c.target.model, { variant: c.options.variant, params: c.options.params });
  return { dir, everyMs: Infinity, everyLevels: 1, identity: runIdentity({ model, sourceFile: fileURLToPath(import.meta.url), properties: [], kmcVersion: 'test' }), run: {}, ...extra };
}
