// kmc check writes trace files; kmc replay reads them back (every state checked), replays bare
// paths, and runs a trace on the patched variant. Malformed or tampered files fail with one
// clear line and exit 2.

import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { run } from '../../src/cli/main.js';
import { registerReplay } from '../../src/cli/commands/replay.js';
import type { Key } from '../../src/cli/stepper.js';

const MODELS = resolve('tests/fixtures/models');
const ABBA = join(MODELS, 'abba.ts');
const LOST = join(MODELS, 'lost-update.ts');

async function kmc(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['node', 'kmc', ...args], { out: (t) => void out.push(t), err: (t) => void err.push(t), isTTY: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let dir: string;
let abbaTrace: string;
let lostTrace: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kmc-traces-'));
  const a = await kmc('check', ABBA, '--variant', 'abba', '--quiet', '--trace-dir', dir);
  expect(a.code).toBe(1);
  abbaTrace = join(dir, 'abba--abba--deadlock.itf.json');
  expect(a.out).toContain(`Trace files (open with any ITF viewer; replay with kmc replay FILE):\n  deadlock: ${abbaTrace}`);
  const l = await kmc('check', LOST, '--variant', 'racy', '--quiet', '--trace-dir', dir);
  expect(l.code).toBe(1);
  lostTrace = join(dir, 'lost-update--racy--no-lost-update.itf.json');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A tampered copy of a trace file; returns its path. */
function tampered(from: string, name: string, change: (j: any) => void): string {
  const j = JSON.parse(readFileSync(from, 'utf8'));
  change(j);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(j));
  return file;
}

describe('kmc check writes trace files', () => {
  it('one per violation, named after model, variant, changed parameters and property', async () => {
    const sub = join(dir, 'params');
    const r = await kmc('check', LOST, '--variant', 'racy', '--param', 'threads=3', '--quiet', '--trace-dir', sub);
    expect(r.code).toBe(1);
    expect(readdirSync(sub)).toEqual(['lost-update--racy--threads=3--no-lost-update.itf.json']);
    const meta = JSON.parse(readFileSync(join(sub, 'lost-update--racy--threads=3--no-lost-update.itf.json'), 'utf8'))['#meta'];
    expect(meta).toMatchObject({ format: 'ITF', model: 'lost-update', variant: 'racy', params: { threads: 3 }, source: LOST });
    expect(meta.command).toBe(`kmc replay ${LOST} ${meta.replay} --variant racy --param threads=3`);
  });

  it('none with --no-traces, none for a verified model', async () => {
    const sub = join(dir, 'none');
    expect((await kmc('check', ABBA, '--variant', 'abba', '--quiet', '--no-traces', '--trace-dir', sub)).code).toBe(1);
    expect((await kmc('check', ABBA, '--variant', 'ordered', '--quiet', '--trace-dir', sub)).code).toBe(0);
    expect(existsSync(sub)).toBe(false);
  });

  it('with --json, names the files on stderr and keeps stdout JSON', async () => {
    const sub = join(dir, 'json');
    const r = await kmc('check', ABBA, '--variant', 'abba', '--json', '--trace-dir', sub);
    expect(() => JSON.parse(r.out)).not.toThrow();
    expect(r.err).toContain(join(sub, 'abba--abba--deadlock.itf.json'));
  });
});

describe('kmc replay <trace file>', () => {
  it('round-trips: every state checked, the violation shown at its step, exit 1', async () => {
    const r = await kmc('replay', abbaTrace);
    expect(r.code).toBe(1);
    expect(r.out.split('\n').slice(0, 3)).toEqual([
      'REPLAY abba --variant abba: 2 steps',
      `Trace file: ${abbaTrace} (every recorded step and state matches the model)`,
      'Replay path: 0/1',
    ]);
    expect(r.out).toContain('Along the replay:\n  deadlock (deadlock) violated after step 2: deadlock: no step can run');
    const l = await kmc('replay', lostTrace);
    expect(l.code).toBe(1);
    expect(l.out).toContain('no-lost-update (invariant) violated after step 4');
  });

  it('--property limits what is evaluated: none of them broken, exit 0', async () => {
    const r = await kmc('replay', lostTrace, '--property', 'deadlock');
    expect(r.code).toBe(0);
    expect(r.out).toContain('No property is violated along 4 steps.');
  });

  it('--variant runs it on the patch: where it stops and why, exit 0', async () => {
    const r = await kmc('replay', abbaTrace, '--variant', 'ordered');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Trace file ${abbaTrace} replays on abba --variant abba (2 steps, every recorded state matches): deadlock (deadlock) violated after step 2`);
    expect(r.out).toContain("Outcome: it stops at step 2 of 2: t1 cannot get to 'lock_ba: spin_lock(&B)': on ordered it must first run 'lock_ab: spin_lock(&A)', which waits for A, held by t0.");
    const l = await kmc('replay', lostTrace, '--variant', 'atomic');
    expect(l.code).toBe(0);
    expect(l.out).toContain("t0 has no statement 'inc: tmp = counter' on atomic");
  });

  it('--step shows one step per key, and q quits', async () => {
    const out: string[] = [];
    const err: string[] = [];
    let code = -1;
    const keys: Key[] = ['next', 'next', 'quit'];
    const program = new Command().exitOverride();
    registerReplay(program, { out: (t) => void out.push(t), err: (t) => void err.push(t), isTTY: true }, (c) => (code = c), async () => keys.shift()!);
    await program.parseAsync(['node', 'kmc', 'replay', lostTrace, '--step']);
    expect(code).toBe(1);
    expect(out[0]).toMatch(/^REPLAY lost-update --variant racy threads=2: 4 steps/);
    expect(out.filter((l) => l.startsWith('Step '))).toEqual([
      expect.stringMatching(/^Step 1\/4: t0 runs 'inc: tmp = counter'/),
      expect.stringMatching(/^Step 2\/4: t1 runs 'inc: tmp = counter'/),
    ]);
    expect(out.at(-1)).toBe('(stopped after 2 of 4 steps)');
    expect(err.filter((l) => l.includes('Enter for the next step, q to quit'))).toHaveLength(3);
  });

  it('--step to the end shows every step and the verdict', async () => {
    const out: string[] = [];
    const program = new Command().exitOverride();
    registerReplay(program, { out: (t) => void out.push(t), err: () => undefined, isTTY: true }, () => undefined, async () => 'next');
    await program.parseAsync(['node', 'kmc', 'replay', abbaTrace, '--step']);
    expect(out.filter((l) => l.startsWith('Step '))).toHaveLength(2);
    expect(out.at(-1)).toContain('deadlock (deadlock) violated after step 2');
  });
});

describe('kmc replay <model> <path>', () => {
  it('replays a bare path with the variant and parameters given', async () => {
    const r = await kmc('replay', LOST, '0/1/0/0', '--variant', 'racy', '--param', 'threads=2');
    expect(r.code).toBe(1);
    expect(r.out).toContain('REPLAY lost-update --variant racy threads=2: 4 steps');
    expect(r.out).toContain('no-lost-update (invariant) violated after step 4');
  });

  it('a path that holds exits 0', async () => {
    expect((await kmc('replay', ABBA, '0/0/0/0', '--variant', 'abba')).code).toBe(0);
  });

  it('an out-of-range choice: what ran, then where and how it stopped, exit 2', async () => {
    const r = await kmc('replay', ABBA, '0/5', '--variant', 'abba');
    expect(r.code).toBe(2);
    expect(r.out).toContain('REPLAY abba --variant abba: 1 step of 2');
    expect(r.err).toBe('kmc: the path does not replay on abba variant abba: step 2 chooses action 5, but only actions 0..1 are enabled there');
  });

  it('a malformed path or a missing one', async () => {
    expect((await kmc('replay', ABBA, '0/x')).err).toMatch(/a replay path is choice indices separated by '\/'/);
    const r = await kmc('replay', join(dir, 'nope.itf.json'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('no trace file at');
  });
});

describe('kmc replay rejects files it cannot trust, with one clear line and exit 2', () => {
  const expectError = async (args: string[], message: RegExp) => {
    const r = await kmc('replay', ...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
    expect(r.err.split('\n')).toHaveLength(1);
  };

  it('bad JSON', async () => {
    const file = join(dir, 'bad.itf.json');
    writeFileSync(file, '{ "vars": [');
    await expectError([file], /^kmc: trace file .*bad\.itf\.json: not valid JSON/);
  });

  it('missing #meta', async () => {
    await expectError([tampered(abbaTrace, 'no-meta.itf.json', (j) => delete j['#meta'])], /no "#meta" object: kmc needs the model, variant, parameters and replay path/);
  });

  it('a trace for another model', async () => {
    await expectError([abbaTrace, '--model', LOST], /was written for model 'abba', not for 'lost-update'/);
    await expectError([tampered(abbaTrace, 'renamed.itf.json', (j) => (j['#meta'].model = 'lost-update'))], /was written for model 'lost-update', not for 'abba'/);
  });

  it('a model that is neither bundled nor found', async () => {
    await expectError([tampered(abbaTrace, 'lost.itf.json', (j) => (j['#meta'].source = '/nowhere/abba.ts'))], /is for model 'abba', which is not bundled and whose source \/nowhere\/abba\.ts does not exist here; give the model with --model/);
  });

  it('a tampered state', async () => {
    await expectError(
      [tampered(lostTrace, 'tampered.itf.json', (j) => (j.states[3].counter = { '#bigint': '2' }))],
      /the state after step 3 \(t0: 'inc: counter = tmp \+ 1'\) diverged: counter = 2 in the file but 1 in the model/,
    );
  });

  it('an out-of-range choice', async () => {
    await expectError([tampered(abbaTrace, 'range.itf.json', (j) => (j['#meta'].replay = '0/9'))], /does not replay on model abba variant abba: step 2 chooses action 9, but only actions 0\.\.1 are enabled there/);
  });

  it('a variant the model does not have', async () => {
    await expectError([tampered(abbaTrace, 'variant.itf.json', (j) => (j['#meta'].variant = 'v9'))], /trace file .*: model abba has no variant 'v9'; its variants are: abba, ordered/);
    await expectError([abbaTrace, '--variant', 'v9'], /model abba has no variant 'v9'/);
  });

  it('--param with a trace file', async () => {
    await expectError([abbaTrace, '--param', 'x=1'], /a trace file fixes its parameters/);
  });
});
