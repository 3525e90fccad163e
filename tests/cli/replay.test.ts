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
import { decodeTrace } from '../../src/trace/itf.js';
import { expectValid, validateReplay } from '../report/json-schemas.js';

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
  expect(a.out).toContain(`Trace files (open with any ITF viewer; replay with kmc replay FILE --model ./tests/fixtures/models/abba.ts):\n  deadlock: ${abbaTrace}`);
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
    // The model file by its path relative to the working directory: the file works on another checkout.
    expect(meta).toMatchObject({ format: 'ITF', model: 'lost-update', variant: 'racy', params: { threads: 3 }, source: './tests/fixtures/models/lost-update.ts' });
    expect(meta.command).toBe(`kmc replay ./tests/fixtures/models/lost-update.ts ${meta.replay} --variant racy --param threads=3`);
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
    const r = await kmc('replay', abbaTrace, '--model', ABBA);
    expect(r.code).toBe(1);
    expect(r.out.split('\n').slice(0, 3)).toEqual([
      'REPLAY abba --variant abba: 2 steps',
      `Trace file: ${abbaTrace} (every recorded step and state matches the model)`,
      'Replay path: 0/1',
    ]);
    expect(r.out).toContain('Along the replay:\n  deadlock (deadlock) violated after step 2: deadlock: no step can run');
    const l = await kmc('replay', lostTrace, '--model', LOST);
    expect(l.code).toBe(1);
    expect(l.out).toContain('no-lost-update (invariant) violated after step 4');
  });

  it('--property limits what is evaluated: none of them broken, exit 0', async () => {
    const r = await kmc('replay', lostTrace, '--model', LOST, '--property', 'deadlock');
    expect(r.code).toBe(0);
    expect(r.out).toContain('No property is violated along 4 steps.');
  });

  it('--variant runs it on the patch: where it stops and why, exit 0', async () => {
    const r = await kmc('replay', abbaTrace, '--model', ABBA, '--variant', 'ordered');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Trace file ${abbaTrace} replays on abba --variant abba (2 steps, every recorded state matches): deadlock (deadlock) violated after step 2`);
    expect(r.out).toContain("Outcome: it stops at step 2 of 2: t1 cannot get to 'lock_ba: spin_lock(&B)': on ordered it must first run 'lock_ab: spin_lock(&A)', which waits for A, held by t0.");
    const l = await kmc('replay', lostTrace, '--model', LOST, '--variant', 'atomic');
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
    await program.parseAsync(['node', 'kmc', 'replay', lostTrace, '--model', LOST, '--step']);
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
    await program.parseAsync(['node', 'kmc', 'replay', abbaTrace, '--model', ABBA, '--step']);
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
    await expectError([tampered(abbaTrace, 'renamed.itf.json', (j) => (j['#meta'].model = 'lost-update')), '--model', ABBA], /was written for model 'lost-update', not for 'abba'/);
  });

  it('a model that is not bundled is never loaded from the file: --model names it', async () => {
    await expectError([abbaTrace], /is for model 'abba', which is not bundled; kmc loads no code a trace file names: give the model file yourself with --model PATH/);
  });

  it('a tampered state', async () => {
    await expectError(
      [tampered(lostTrace, 'tampered.itf.json', (j) => (j.states[3].counter = { '#bigint': '2' })), '--model', LOST],
      /the state after step 3 \(t0: 'inc: counter = tmp \+ 1'\) diverged: counter = 2 in the file but 1 in the model/,
    );
  });

  it('an out-of-range choice', async () => {
    await expectError([tampered(abbaTrace, 'range.itf.json', (j) => (j['#meta'].replay = '0/9')), '--model', ABBA], /does not replay on model abba variant abba: step 2 chooses action 9, but only actions 0\.\.1 are enabled there/);
  });

  it('a variant the model does not have', async () => {
    await expectError([tampered(abbaTrace, 'variant.itf.json', (j) => (j['#meta'].variant = 'v9')), '--model', ABBA], /trace file .*: model abba has no variant 'v9'; its variants are: abba, ordered/);
    await expectError([abbaTrace, '--model', ABBA, '--variant', 'v9'], /model abba has no variant 'v9'/);
  });

  it('--param with a trace file', async () => {
    await expectError([abbaTrace, '--param', 'x=1'], /a trace file fixes its parameters/);
  });
});

describe('kmc replay --json', () => {
  // Real traces of bundled models, written by kmc check as a user would.
  let bundledDir: string;
  const files: Record<string, string> = {};
  beforeAll(async () => {
    bundledDir = join(dir, 'bundled');
    const runs: [string, string[]][] = [
      ['xen-remove-from-physmap', ['--variant', 'ia64-hunk-on-x86']],
      ['sched-delayed-dequeue', ['--variant', 'delayed-dequeue']],
      ['kvm-hotplug', ['--variant', 'v2.6.37', '--param', 'reboot=false', '--param', 'suspend=false', '--param', 'enableCanFail=false']],
    ];
    for (const [model, args] of runs) {
      const r = await kmc('check', model, ...args, '--quiet', '--trace-dir', bundledDir);
      expect(r.code).toBe(1);
    }
    for (const f of readdirSync(bundledDir)) files[f.replace(/\.itf\.json$/, '')] = join(bundledDir, f);
    expect(Object.keys(files).length).toBeGreaterThanOrEqual(6);
  });

  it('each bundled trace on its own variant: the steps and states of the file, the recorded violation at its step, the text mode’s exit code', async () => {
    for (const file of Object.values(files)) {
      const text = await kmc('replay', file);
      const r = await kmc('replay', file, '--json');
      expect(r.code, file).toBe(text.code);
      expect(r.err).toBe('');
      const doc = expectValid(validateReplay, r.out);
      const t = decodeTrace(readFileSync(file, 'utf8'), file);
      expect(doc).toMatchObject({ exitCode: r.code, trace: { file, violation: t.meta.violation }, model: t.meta.model, variant: t.meta.variant, params: t.meta.params, matched: true, divergence: null, onVariant: null });
      expect(doc.path).toBe(t.meta.path.join('/'));
      expect(doc.steps).toHaveLength(t.states.length - 1);
      expect(doc.initialState).toEqual({ locations: t.states[0]!.locations, vars: t.states[0]!.vars });
      doc.steps.forEach((s: any, i: number) => {
        const rec = t.states[i + 1]!;
        expect({ step: s.step, thread: s.thread, location: s.location, label: s.label, choice: s.choice, fired: s.fired }).toEqual({
          step: i + 1,
          thread: rec.meta.thread,
          location: rec.meta.location,
          label: rec.meta.label,
          choice: rec.meta.choice,
          fired: rec.meta.fired ?? [],
        });
        expect(s.function).toBe(s.label.split(':')[0]);
        expect(s.state).toEqual({ locations: rec.locations, vars: rec.vars });
      });
      expect(doc.finalState).toEqual(doc.steps.at(-1).state);
      const claim = t.meta.violation!;
      expect(doc.violations).toContainEqual(expect.objectContaining({ property: claim.property, kind: claim.kind, step: claim.step, message: claim.message }));
      expect(doc.outcome).toBe('violated');
    }
  });

  it('--property: only that one evaluated; none broken is exit 0 and outcome holds', async () => {
    const file = files['xen-remove-from-physmap--ia64-hunk-on-x86--locks-released']!;
    const r = await kmc('replay', file, '--property', 'lock-order', '--json');
    expect(r.code).toBe(0);
    const doc = expectValid(validateReplay, r.out);
    expect(doc).toMatchObject({ outcome: 'holds', violations: [], exitCode: 0 });
  });

  it('--variant on the patch: how each old step was placed, the choices the bounded search settled, the text mode’s exit code', async () => {
    const file = files['kvm-hotplug--v2.6.37--enableCanFail=false--reboot=false--suspend=false--nolock-under-kvm-lock']!;
    for (const variant of ['hypothetical-mix', 'patch-1', 'v4.10']) {
      const text = await kmc('replay', file, '--variant', variant);
      const r = await kmc('replay', file, '--variant', variant, '--json');
      expect(r.code, variant).toBe(text.code);
      const doc = expectValid(validateReplay, r.out);
      const v = doc.onVariant;
      expect(v).toMatchObject({ variant, property: 'nolock-under-kvm-lock', oldSteps: doc.steps.length });
      expect(text.out).toContain(`Outcome: ${v.end.description}.`);
      // Every placed step is the step the patched run took, in order; every old step is accounted for.
      const placed = v.matching.filter((m: any) => m.kind !== 'done-earlier');
      expect(placed.map((m: any) => m.runStep)).toEqual(v.run.steps.map((s: any) => s.step));
      placed.forEach((m: any, i: number) => expect([m.thread, m.label, m.location, m.choice]).toEqual([v.run.steps[i].thread, v.run.steps[i].label, v.run.steps[i].location, v.run.steps[i].choice]));
      expect(v.run.path).toBe(placed.map((m: any) => m.choice).join('/'));
      const reached = v.end.kind === 'completed' ? doc.steps.length : v.end.oldStep - 1;
      expect(new Set(v.matching.filter((m: any) => m.kind !== 'extra').map((m: any) => m.oldStep))).toEqual(new Set(Array.from({ length: reached }, (_, k) => k + 1)));
      for (const c of v.matching.filter((m: any) => m.chose)) {
        expect(c.chose.alternatives[c.chose.taken].label).toBe(c.label);
        expect(text.out).toContain(c.chose.description);
      }
    }
    // On hypothetical-mix the port settles which CPU creator0 takes kvm_lock on.
    const up = expectValid(validateReplay, (await kmc('replay', file, '--variant', 'hypothetical-mix', '--json')).out);
    expect(up).toMatchObject({ exitCode: 0, outcome: 'no-longer-violated', onVariant: { outcome: 'no-longer-violated', reproduced: null, end: { kind: 'blocked', inconclusive: false } } });
    const chose = up.onVariant.matching.find((m: any) => m.chose);
    // (Both CPUs place as many old steps: the CPU is creator0's local, not in its later labels; the closest label decides.)
    expect(chose).toMatchObject({ kind: 'matched', oldStep: 1, thread: 'creator0', chose: { by: 'closest', taken: 0 } });
    expect(chose.chose.alternatives.map((a: any) => a.label)).toEqual(['hardware_enable_all: spin_lock(&kvm_lock) [on cpu0]', 'hardware_enable_all: spin_lock(&kvm_lock) [on cpu1]']);
  });

  it('--variant where the interleaving still breaks the property (exit 1), where the patch removed a statement (exit 0)', async () => {
    const cases: [string, string, number, string, string][] = [
      ['kvm-hotplug--v2.6.37--enableCanFail=false--reboot=false--suspend=false--quiescent', 'patch-1', 1, 'still-violated', 'completed'],
      ['kvm-hotplug--v2.6.37--enableCanFail=false--reboot=false--suspend=false--quiescent', 'hypothetical-mix', 0, 'no-longer-violated', 'blocked'],
      ['sched-delayed-dequeue--delayed-dequeue--no-lost-wakeup', 'eevdf', 0, 'no-longer-violated', 'absent'],
    ];
    for (const [name, variant, code, outcome, end] of cases) {
      const file = files[name]!;
      const text = await kmc('replay', file, '--variant', variant);
      expect(text.code, `${name} on ${variant}`).toBe(code);
      const j = await kmc('replay', file, '--variant', variant, '--json');
      expect(j.code).toBe(code);
      const doc = expectValid(validateReplay, j.out);
      expect(doc).toMatchObject({ exitCode: code, outcome, onVariant: { outcome, end: { kind: end } } });
      const property = name.split('--').at(-1);
      if (code === 1) {
        expect(doc.onVariant.reproduced).toMatchObject({ property, step: doc.onVariant.run.steps.length });
        expect(text.out).toContain(`STILL VIOLATED on ${variant}: ${property}`);
      } else expect(doc.onVariant.reproduced).toBeNull();
    }
  });

  it('a bare path: the same document without a trace file; one that cannot run is exit 2 with where it stopped', async () => {
    const r = await kmc('replay', LOST, '0/1/0/0', '--variant', 'racy', '--json');
    expect(r.code).toBe(1);
    const doc = expectValid(validateReplay, r.out);
    expect(doc).toMatchObject({ trace: null, model: 'lost-update', variant: 'racy', params: { threads: 2 }, path: '0/1/0/0', matched: true, outcome: 'violated' });
    expect(doc.violations).toEqual([{ property: 'no-lost-update', kind: 'invariant', step: 4, message: 'invariant no-lost-update is false: when every thread has finished, counter == threads' }]);
    const bad = await kmc('replay', ABBA, '0/5', '--variant', 'abba', '--json');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('kmc: the path does not replay on abba variant abba: step 2 chooses action 5, but only actions 0..1 are enabled there');
    expect(expectValid(validateReplay, bad.out)).toMatchObject({
      outcome: 'stopped',
      matched: false,
      ran: 1,
      exitCode: 2,
      stop: { kind: 'not-enabled', step: 2, choice: 5, enabled: 2, message: 'step 2 chooses action 5, but only actions 0..1 are enabled there' },
    });
  });

  describe('a trace file that does not match its model: the divergence as data, the error line on stderr, exit 2', () => {
    const diverged = async (file: string, expected: object) => {
      const model = JSON.parse(readFileSync(file, 'utf8'))['#meta'].model === 'lost-update' ? LOST : ABBA;
      const text = await kmc('replay', file, '--model', model);
      const r = await kmc('replay', file, '--model', model, '--json');
      expect(r.code).toBe(2);
      expect(r.err).toBe(text.err);
      const doc = expectValid(validateReplay, r.out);
      expect(doc).toMatchObject({ exitCode: 2, matched: false, outcome: 'diverged', divergence: { ...expected, message: text.err.replace(/^kmc: /, '') } });
      return doc;
    };

    it('a tampered state: the step whose state differs', async () => {
      const doc = await diverged(
        tampered(lostTrace, 'json-tampered.itf.json', (j) => (j.states[3].counter = { '#bigint': '2' })),
        { kind: 'state', step: 3 },
      );
      expect(doc.steps[2].state.vars.counter).toBe(1); // what the model computes there
    });

    it('a tampered step label, and a tampered initial state', async () => {
      await diverged(tampered(lostTrace, 'json-label.itf.json', (j) => (j.states[2]['#meta'].label = 'inc: counter = 42')), { kind: 'state', step: 2 });
      await diverged(tampered(lostTrace, 'json-init.itf.json', (j) => (j.states[0].counter = { '#bigint': '7' })), { kind: 'state', step: 0 });
    });

    it('a choice that is not enabled, a violation recorded at the wrong step, variables of another model', async () => {
      await diverged(tampered(abbaTrace, 'json-range.itf.json', (j) => (j['#meta'].replay = '0/9')), { kind: 'path', step: 2 });
      await diverged(tampered(lostTrace, 'json-claim.itf.json', (j) => (j['#meta'].violation.step = 2)), { kind: 'violation', step: 2 });
      await diverged(
        tampered(lostTrace, 'json-shape.itf.json', (j) => {
          j.vars = j.vars.filter((v: string) => v !== 'counter');
          for (const s of j.states) delete s.counter;
        }),
        { kind: 'shape', step: null },
      );
    });

    it('a file kmc cannot read stays one error line, with nothing on stdout', async () => {
      const file = join(dir, 'json-bad.itf.json');
      writeFileSync(file, '{ "vars": [');
      const r = await kmc('replay', file, '--json');
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/^kmc: trace file .*json-bad\.itf\.json: not valid JSON/);
    });
  });

  it('--json does not go with --step', async () => {
    const r = await kmc('replay', abbaTrace, '--model', ABBA, '--json', '--step');
    expect(r.code).toBe(2);
    expect(r.err).toBe('kmc: kmc replay: --step shows a trace one step at a time; leave it out with --json');
  });
});
