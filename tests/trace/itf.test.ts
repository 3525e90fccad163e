import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import { compileModel } from '../../src/model/compile.js';
import { defineModel, step, thread } from '../../src/model/index.js';
import { expandPath } from '../../src/trace/expand.js';
import { decodeTrace, encodeTrace, pcVarFor, traceFileName, traceToText, TraceFileError, type ItfTrace } from '../../src/trace/itf.js';
import { abba, abbaProps, lostUpdate, lostUpdateProps, peterson, petersonProps } from '../fixtures/textbook.js';
import type { ModelDef } from '../../src/model/index.js';

function abbaTrace(): { itf: ItfTrace; text: string } {
  const r = check(abba, abbaProps, { variant: 'abba' });
  if (r.status !== 'violated') throw new Error('abba must deadlock');
  const v = r.violations[0]!;
  const model = compileModel(abba, { variant: 'abba' });
  const itf = encodeTrace(model, expandPath(model, v.path), { source: 'tests/fixtures/models/abba.ts', violation: { property: v.property, kind: v.kind, message: v.message, step: v.path.length } });
  return { itf, text: traceToText(itf) };
}

/** Parse, change, print: a tampered copy of a trace file's text. */
function tamper(text: string, change: (j: any) => void): string {
  const j = JSON.parse(text);
  change(j);
  return JSON.stringify(j);
}

describe('ITF encoding (ADR-015)', () => {
  it('writes vars, states with #meta.index, integers as #bigint, records as objects, and the program counters', () => {
    const { itf } = abbaTrace();
    expect(itf.vars).toEqual(['pc', 'a', 'b']);
    expect(itf.states).toHaveLength(3);
    expect(itf.states.map((s) => s['#meta'].index)).toEqual([0, 1, 2]);
    expect(itf.states[0]).toEqual({ '#meta': { index: 0 }, pc: { t0: 'l1', t1: 'l1' }, a: { holder: { '#bigint': '-1' } }, b: { holder: { '#bigint': '-1' } } });
    expect(itf.states[1]!['#meta']).toEqual({ index: 1, step: 1, thread: 't0', location: 'l1', label: 'lock_ab: spin_lock(&A)', choice: 0 });
    expect(itf.states[2]!.b).toEqual({ holder: { '#bigint': '1' } });
    const meta = itf['#meta'];
    expect(meta.format).toBe('ITF');
    expect(meta.model).toBe('abba');
    expect(meta.variant).toBe('abba');
    expect(meta.replay).toBe('0/1');
    expect(meta.violation).toMatchObject({ property: 'deadlock', kind: 'deadlock', step: 2 });
    expect(meta.command).toBe('kmc replay abba 0/1 --variant abba');
  });

  it('writes fixed-length arrays as ITF lists and booleans as JSON booleans', () => {
    const model = compileModel(peterson, { variant: 'broken' });
    const itf = encodeTrace(model, expandPath(model, [0, 0]), { source: 'x' });
    expect(itf.states[2]!.flag).toEqual([true, false]);
    expect(itf.states[2]!.done).toEqual([{ '#bigint': '0' }, { '#bigint': '0' }]);
    expect(itf['#meta'].params).toEqual({ rounds: 1 });
    expect(itf['#meta'].violation).toBeUndefined();
  });

  it('names the program-counter variable so it never collides with a model variable', () => {
    type S = { pc: number; pc_: number };
    const m = defineModel<S>({
      name: 'pc-clash',
      doc: '',
      params: {},
      variants: { only: '' },
      build: () => ({ init: { pc: 0, pc_: 0 }, threads: [thread<S>('t', [step('s', 'f: pc++', { run: (d) => void d.pc++ })])] }),
    });
    const model = compileModel(m);
    expect(pcVarFor(model)).toBe('pc__');
    const itf = encodeTrace(model, expandPath(model, [0]), { source: 'x' });
    const back = decodeTrace(traceToText(itf), 'f');
    expect(back.meta.pcVar).toBe('pc__');
    expect(back.states[1]!.vars).toEqual({ pc: 1, pc_: 0 });
    expect(back.states[1]!.locations).toEqual({ t: '$end' });
  });

  it('decodes what it encodes, for every textbook counterexample', () => {
    for (const [def, props, variant] of [[abba, abbaProps, 'abba'], [lostUpdate, lostUpdateProps, 'racy'], [peterson, petersonProps, 'broken']] as const) {
      const r = check(def, props, { variant });
      if (r.status !== 'violated') throw new Error(`${def.name} ${variant} must be violated`);
      const model = compileModel(def as ModelDef, { variant });
      for (const v of r.violations) {
        const trace = expandPath(model, v.path);
        const text = traceToText(encodeTrace(model, trace, { source: 's', violation: { property: v.property, kind: v.kind, message: v.message, step: v.path.length } }));
        const back = decodeTrace(text, 'f');
        expect(back.meta).toMatchObject({ model: def.name, variant, params: model.params, path: v.path });
        expect(back.meta.violation?.property).toBe(v.property);
        back.states.forEach((s, i) => {
          const packed = model.pack(s.vars, model.threadNames.map((t) => s.locations[t]!));
          expect([...packed]).toEqual([...(i === 0 ? trace.init : trace.steps[i - 1]!.state)]);
        });
      }
    }
  });

  it('accepts plain JSON integers, which ADR-015 allows for small values', () => {
    const { text } = abbaTrace();
    const t = decodeTrace(tamper(text, (j) => (j.states[0].a.holder = -1)), 'f');
    expect(t.states[0]!.vars.a).toEqual({ holder: -1 });
  });

  it('names trace files after model, variant, changed parameters and property', () => {
    expect(traceFileName('kvm-hotplug', 'v2.6.37', {}, 'deadlock')).toBe('kvm-hotplug--v2.6.37--deadlock.itf.json');
    expect(traceFileName('m', 'v', { cpus: 3 }, 'a/b c')).toBe('m--v--cpus=3--a_b_c.itf.json');
  });
});

describe('malformed trace files are rejected with one clear line', () => {
  const { text } = abbaTrace();
  const bad = (t: string) => () => decodeTrace(t, 'bad.itf.json');

  it('bad JSON', () => {
    expect(bad('{"vars": [')).toThrow(TraceFileError);
    expect(bad('{"vars": [')).toThrow(/trace file bad\.itf\.json: not valid JSON/);
  });
  it('not an object', () => expect(bad('[1,2]')).toThrow(/must hold one JSON object/));
  it('missing #meta', () => expect(bad(tamper(text, (j) => delete j['#meta']))).toThrow(/no "#meta" object: kmc needs the model, variant/));
  it('an ITF file not written by kmc', () => expect(bad(tamper(text, (j) => delete j['#meta']['kmc-trace']))).toThrow(/was not written by kmc/));
  it('missing model', () => expect(bad(tamper(text, (j) => delete j['#meta'].model))).toThrow(/"#meta"."model" is missing/));
  it('a replay path that is not a path', () => expect(bad(tamper(text, (j) => (j['#meta'].replay = '0/x')))).toThrow(/"#meta"."replay": a replay path is choice indices/));
  it('states out of order', () => expect(bad(tamper(text, (j) => (j.states[1]['#meta'].index = 2)))).toThrow(/state 1: "#meta"."index" is 2, expected 1/));
  it('a state without a variable', () => expect(bad(tamper(text, (j) => delete j.states[2].b))).toThrow(/state 2 has no value for variable "b"/));
  it('a state with a variable that vars does not list', () => expect(bad(tamper(text, (j) => (j.states[0].c = true)))).toThrow(/state 0 has "c", which "vars" does not list/));
  it('a step without its thread', () => expect(bad(tamper(text, (j) => delete j.states[1]['#meta'].thread))).toThrow(/state 1: "#meta"."thread" \(the step that led to it\) is missing/));
  it('a set, which kmc states never hold', () => expect(bad(tamper(text, (j) => (j.states[1].a.holder = { '#set': [] })))).toThrow(/state 1, a.holder: an ITF set value/));
  it('a bigint that is not an int32', () => expect(bad(tamper(text, (j) => (j.states[1].a.holder = { '#bigint': '4294967296' })))).toThrow(/state 1, a.holder = 4294967296: kmc values are int32 integers/));
  it('a malformed bigint', () => expect(bad(tamper(text, (j) => (j.states[1].a.holder = { '#bigint': '1e3' })))).toThrow(/"#bigint" must be a string of digits/));
  it('a string where a number belongs', () => expect(bad(tamper(text, (j) => (j.states[1].a.holder = 'zero')))).toThrow(/a.holder = "zero": kmc variables hold no strings/));
  it('more states than the path has steps', () =>
    expect(bad(tamper(text, (j) => j.states.push({ ...j.states[2], '#meta': { ...j.states[2]['#meta'], index: 3 } })))).toThrow(/it has 4 states, but its replay path "0\/1" has 2 steps/));
  it('no program counters', () => expect(bad(tamper(text, (j) => (j.vars = ['a', 'b'])))).toThrow(/"vars" lacks "pc"/));
});
