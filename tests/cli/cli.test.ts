// The CLI in-process (`run(argv, io)` with a capturing Io): exit codes 0/1/2/3, `kmc list`, the
// --json shape, and bad input as one clear line and exit 2.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundled } from '../../models/index.js';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

const PETERSON = 'tests/fixtures/models/peterson.ts';
const traceDir = mkdtempSync(join(tmpdir(), 'kmc-cli-test-'));
afterAll(() => rmSync(traceDir, { recursive: true, force: true }));

async function kmc(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t), isTTY: false };
  const code = await run(['node', 'kmc', ...args], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A usage error: exit 2, exactly one line on stderr, starting with `kmc: `, nothing on stdout. */
async function usage(args: string[], message: string | RegExp): Promise<void> {
  const r = await kmc(...args);
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  expect(r.err).toMatch(/^kmc: /);
  if (typeof message === 'string') expect(r.err.trimEnd()).toBe(`kmc: ${message}`);
  else expect(r.err).toMatch(message);
}

describe('kmc check exit codes', () => {
  it('0: verified', async () => {
    const r = await kmc('check', PETERSON);
    expect(r.code).toBe(0);
    // Small enough that partial-order reduction's unreduced prefix is the whole search.
    // Each thread runs a fixed number of rounds, so no run loops: livelock holds only vacuously.
    expect(r.out.split('\n')[0]).toBe('VERIFIED peterson --variant correct rounds=1: every property holds in all 26 reachable states (exhaustive); not exercised (holds only vacuously): livelock');
    expect(r.out).toMatch(/holds\s+mutex: at most one thread in its critical section/);
  });

  it('1: violated, with the counterexample', async () => {
    const r = await kmc('check', PETERSON, '--variant', 'broken', '--trace-dir', traceDir);
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe('VIOLATED peterson --variant broken rounds=1: mutex');
    expect(r.out).toContain('Property mutex (invariant) violated after 6 steps');
    expect(r.out).toContain('Replay path: 0/1/1/1/0/0');
    expect(r.out).toMatch(/\| 1 \| peterson_lock: turn = j +\| +\| turn: 0 -> 1 +\|/);
  });

  it('3: incomplete under a bound', async () => {
    const r = await kmc('check', PETERSON, '--max-states', '5');
    expect(r.code).toBe(3);
    expect(r.out.split('\n')[0]).toMatch(/^INCOMPLETE peterson --variant correct rounds=1: stopped by the --max-states bound after \d+ states; NOT verified$/);
    expect(r.out).toMatch(/unknown\s+mutex/);
  });

  it('1 beats 3: a violation found before the bound', async () => {
    // Broken Peterson has 41 states; BFS meets the mutex violation before the 35th.
    const r = await kmc('check', PETERSON, '--variant', 'broken', '--max-states', '35', '--trace-dir', traceDir);
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe('VIOLATED peterson --variant broken rounds=1: mutex (search stopped early by the --max-states bound; other properties unknown)');
    expect(r.out).toMatch(/unknown\s+deadlock/);
  });

  it('2: a model that throws in a step names the thread, the statement and the state', async () => {
    const r = await kmc('check', 'tests/fixtures/cli/throws-in-step.ts');
    expect(r.code).toBe(2);
    const all = `${r.out}\n${r.err}`.trim();
    expect(all.split('\n')[0]).toBe("ERROR throws-in-step --variant v: model throws-in-step: thread cpu0, step 'counter_inc: n++': it threw: boom");
    expect(all).toContain('{"locations":["inc"],"vars":{"n":2}}');
  });

  it('2: a model whose build throws; a module without properties is checked for deadlock', async () => {
    const bad = await kmc('check', 'tests/fixtures/cli/throws-in-build.ts', '--variant', 'bad');
    expect(bad.code).toBe(2);
    expect(`${bad.out}\n${bad.err}`.trim().split('\n')[0]).toBe(
      'ERROR throws-in-build --variant bad: model throws-in-build (variant bad) failed to build: no such CPU',
    );
    const good = await kmc('check', 'tests/fixtures/cli/throws-in-build.ts', '--variant', 'good');
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/holds\s+deadlock/);
  });
});

describe('kmc check --json', () => {
  it('verified: the result as data, with its exit code', async () => {
    const r = await kmc('check', PETERSON, '--param', 'rounds=2', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ exitCode: 0, status: 'verified', run: { model: 'peterson', variant: 'correct', params: { rounds: 2 } } });
    expect(j.stats).toMatchObject({ states: 90, transitions: 132, diameter: 16 });
    for (const k of ['timeMs', 'statesPerSecond', 'peakMemory', 'bytesPerState', 'collisionProbability', 'workers']) expect(typeof j.stats[k]).toBe('number');
    expect(j.properties).toEqual([
      { name: 'mutex', kind: 'invariant', doc: 'at most one thread in its critical section', status: 'holds', verdict: 'holds' },
      { name: 'deadlock', kind: 'deadlock', doc: expect.any(String), status: 'holds', verdict: 'holds' },
      { name: 'livelock', kind: 'liveness', doc: expect.any(String), status: 'holds', verdict: 'holds, not exercised', notExercised: expect.stringMatching(/^no run loops/) },
    ]);
  });

  it('violated: each violation with its replay path, steps and final state', async () => {
    const r = await kmc('check', PETERSON, '--variant', 'broken', '--json', '--trace-dir', traceDir);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ exitCode: 1, status: 'violated', complete: true });
    expect(j.violations).toHaveLength(1);
    const v = j.violations[0];
    expect(v).toMatchObject({ property: 'mutex', kind: 'invariant', path: [0, 1, 1, 1, 0, 0], replay: '0/1/1/1/0/0' });
    expect(v.steps).toHaveLength(6);
    expect(v.steps[0]).toEqual({ step: 1, thread: 'p0', label: 'peterson_lock: turn = j', changes: [{ path: 'turn', before: 0, after: 1 }], fired: [] });
    expect(v.finalState).toEqual({ locations: { p0: 'cs', p1: 'cs' }, vars: { done: [0, 0], flag: [true, true], turn: 0 } });
    expect(j.properties.map((p: { status: string }) => p.status)).toEqual(['violated', 'holds', 'holds']);
  });

  it('incomplete: the bound that stopped it', async () => {
    const j = JSON.parse((await kmc('check', PETERSON, '--max-states', '5', '--json')).out);
    expect(j).toMatchObject({ exitCode: 3, status: 'incomplete', stoppedBy: 'max-states' });
  });

  it('error: the message', async () => {
    const r = await kmc('check', 'tests/fixtures/cli/throws-in-step.ts', '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out)).toMatchObject({ exitCode: 2, status: 'error', thread: 'cpu0', label: 'counter_inc: n++', message: expect.stringContaining('boom') });
  });

  it('trace files of the violations above went to --trace-dir, not the working directory', () => {
    expect(readdirSync(traceDir).length).toBeGreaterThan(0);
  });
});

describe('kmc list', () => {
  it('lists every bundled model with its variants, parameters and properties', async () => {
    const r = await kmc('list');
    expect(r.code).toBe(0);
    if (bundled.length === 0) expect(r.out).toBe('(no bundled models)');
    for (const e of bundled) {
      expect(r.out).toContain(e.model.name);
      for (const v of Object.keys(e.model.variants)) expect(r.out).toContain(v);
      for (const k of Object.keys(e.model.params)) expect(r.out).toContain(`${k}=`);
      for (const p of e.properties.properties) expect(r.out).toContain(p.name);
    }
  });

  it('--json: one object per bundled model', async () => {
    const r = await kmc('list', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { model: string; variants: object; params: object; properties: { name: string; kind: string; doc: string }[] }[];
    expect(j.map((m) => m.model)).toEqual(bundled.map((e) => e.model.name));
    j.forEach((m, i) => {
      const e = bundled[i]!;
      expect(m.variants).toEqual(e.model.variants);
      expect(m.params).toEqual(e.model.params);
      expect(m.properties).toEqual(e.properties.properties.map((p) => ({ name: p.name, kind: p.kind, doc: p.doc })));
    });
  });
});

describe('bad input: one clear line, exit 2', () => {
  it.each<[string, string[], string | RegExp]>([
    ['an unknown model', ['check', 'nope'], /^kmc: unknown model 'nope'; bundled models: /],
    ['no model', ['check'], /^kmc: kmc check: name a model \(.*\) or a model file, or use --all$/],
    ['two models without --all', ['check', PETERSON, PETERSON], 'kmc check: 2 models given; add --all to check every variant of each'],
    ['a missing model file', ['check', 'tests/fixtures/cli/missing.ts'], /^kmc: no model file at .*tests\/fixtures\/cli\/missing\.ts$/],
    ['a model file that throws on load', ['check', 'tests/fixtures/cli/throws-on-load.ts'], /^kmc: model file .*throws-on-load\.ts failed to load: this model file is broken at load time$/],
    ['a module that is not a model', ['check', 'tests/fixtures/cli/not-a-model.ts'], /^kmc: model file \.\/tests\/fixtures\/cli\/not-a-model\.ts has no model as its default export; it exports default \(object\): export default defineModel\(\{\.\.\.\}\)$/],
    ['an unknown variant', ['check', PETERSON, '--variant', 'v9'], "model peterson has no variant 'v9'; its variants are: correct, broken"],
    ['an unknown parameter', ['check', PETERSON, '--param', 'cpus=2'], "model peterson has no parameter 'cpus'; its parameters are: rounds"],
    ['a parameter out of range', ['check', PETERSON, '--param', 'rounds=9'], 'parameter peterson.rounds=9 is above its maximum 3'],
    ['a parameter of the wrong type', ['check', PETERSON, '--param', 'rounds=two'], "parameter peterson.rounds is an integer, not 'two'"],
    ['a malformed --param', ['check', PETERSON, '--param', 'rounds'], "--param expects name=value (e.g. --param cpus=3), not 'rounds'"],
    ['an unknown property', ['check', PETERSON, '--property', 'nope'], "model peterson has no property 'nope'; its properties are: mutex, deadlock, livelock"],
    ['a malformed --max-states', ['check', PETERSON, '--max-states', 'lots'], "--max-states expects a positive whole number (e.g. 100000, 100k, 2M), not 'lots'"],
    ['--max-states 0', ['check', PETERSON, '--max-states', '0'], "--max-states must be positive, not '0'"],
    ['a malformed --max-time', ['check', PETERSON, '--max-time', 'forever'], "--max-time expects a duration like 90, 90s, 5m or 1h, not 'forever'"],
  ])('%s', async (_what, args, message) => {
    await usage(args, message);
  });

  it('an unknown option or command is exit 2 with one kmc line (commander\'s message)', async () => {
    for (const args of [['check', PETERSON, '--bogus'], ['frobnicate']]) {
      const r = await kmc(...args);
      expect(r.code).toBe(2);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^kmc: unknown (option '--bogus'|command 'frobnicate')/);
    }
  });

  it('--help is exit 0', async () => {
    const r = await kmc('check', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('--max-states');
  });
});
