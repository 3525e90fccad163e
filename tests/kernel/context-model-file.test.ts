// A user's model file written on the model API of docs/model-api.md (thread kinds with locals,
// the execution context, gates, CPU and task symmetry: tests/fixtures/models/cpu-context.ts),
// loaded by path and checked end to end: the API, the CLI, the worker threads (which load the
// model themselves) and symmetry over locals agree with each other and with the plain search.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { check } from '../../src/engine/check.js';
import model, { properties } from '../fixtures/models/cpu-context.js';
import { checkAutomorphism } from '../engine/reduction/automorphism.js';

const FILE = 'tests/fixtures/models/cpu-context.ts';
const traceDir = mkdtempSync(join(tmpdir(), 'kmc-ctx-'));
afterAll(() => rmSync(traceDir, { recursive: true, force: true }));

async function kmc(...args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const io: Io = { out: (t) => void out.push(t), err: (t) => void out.push(t), isTTY: false };
  const code = await run(['node', 'kmc', ...args, '--trace-dir', traceDir], io);
  return { code, out: out.join('\n') };
}

const states = (out: string) => Number(/^([\d,]+) distinct states/m.exec(out)?.[1]?.replace(/,/g, '') ?? NaN);

describe('a model file on the model API (locals, execution context, gates)', () => {
  it('its symmetry declarations (CPUs, and tasks with their locals) are automorphisms', () => {
    const r = checkAutomorphism(model, properties.properties, { params: { tasks: false } });
    expect(r.problem).toBeUndefined();
    expect(r.states).toBeGreaterThan(50);
  });

  it('the CLI with one and two workers and the API agree; the gates make the invariants hold', async () => {
    const plain = check(model, properties);
    const sym = check(model, properties, { symmetry: true });
    if (plain.status === 'error' || sym.status === 'error') throw new Error('unexpected error');
    expect([plain.status, sym.status]).toEqual(['verified', 'verified']);
    // Safety properties only (--no-livelock): the CLI searches them with symmetry by default.
    const one = await kmc('check', FILE, '--workers', '1', '--no-livelock');
    const two = await kmc('check', FILE, '--workers', '2', '--no-livelock');
    const none = await kmc('check', FILE, '--workers', '2', '--no-livelock', '--no-symmetry');
    // With livelock (checked by default): one unreduced search of the graph (src/cli/symmetry-default.ts).
    const live = await kmc('check', FILE, '--workers', '2');
    expect([one.code, two.code, none.code, live.code]).toEqual([0, 0, 0, 0]);
    expect(states(one.out)).toBe(sym.stats.states);
    expect(states(two.out)).toBe(sym.stats.states);
    expect(states(none.out)).toBe(plain.stats.states);
    expect(states(live.out)).toBe(plain.stats.states);
    expect(one.out).toMatch(/symmetry over CPUs \(2!\) × tasks \(3!\)/);
    expect(live.out).toMatch(/symmetry reduction \(CPUs, tasks\) not used: the liveness properties \(livelock\)/);
    const ungated = await kmc('check', FILE, '--param', 'gates=false', '--workers', '2');
    expect(ungated.code).toBe(1);
    expect(ungated.out).toMatch(/violated +stop-machine-exclusive/);
    expect(ungated.out).toMatch(/violated +frozen-out-of-kernel/);
  });
});
