// The run identity: a checkpoint (or a distributed worker) belongs to a run only when the model
// file, variant, parameters, properties and kmc version are the same; the refusal names the
// first field that differs.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { identityDigest, identityMismatch, runIdentity } from '../../../src/engine/run-identity.js';
import { compileModel } from '../../../src/model/compile.js';
import { peterson } from '../../fixtures/textbook.js';

const dir = mkdtempSync(join(tmpdir(), 'kmc-identity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'model.ts');
writeFileSync(file, 'one');

const id = (o: { variant?: string; rounds?: number; properties?: string[]; version?: string } = {}) =>
  runIdentity({
    model: compileModel(peterson, { variant: o.variant ?? 'correct', params: { rounds: o.rounds ?? 1 } }),
    sourceFile: file,
    properties: o.properties ?? ['mutex', 'deadlock'],
    kmcVersion: o.version ?? '1.0.0',
  });

describe('run identity', () => {
  it('the same run is the same identity (and digest)', () => {
    expect(identityMismatch(id(), id())).toBeUndefined();
    expect(identityDigest(id())).toBe(identityDigest(id()));
  });

  it('names the field that differs', () => {
    expect(identityMismatch(id(), id({ variant: 'broken' }))).toBe('the variant differs: correct then, broken now');
    expect(identityMismatch(id(), id({ rounds: 2 }))).toBe('the parameters differ: {"rounds":1} then, {"rounds":2} now');
    expect(identityMismatch(id(), id({ properties: ['mutex'] }))).toBe('the properties differ: ["mutex","deadlock"] then, ["mutex"] now');
    expect(identityMismatch(id(), id({ version: '1.0.1' }))).toBe('the kmc version differs: 1.0.0 then, 1.0.1 now');
    const before = id();
    writeFileSync(file, 'two');
    expect(identityMismatch(before, id())).toMatch(/^the model file \(source hash\) differs: the model file changed since the run started \(sha256 [0-9a-f]{12}… then, [0-9a-f]{12}… now\)$/);
    expect(identityDigest(before)).not.toBe(identityDigest(id()));
  });
});
