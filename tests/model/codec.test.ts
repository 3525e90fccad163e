// The hot path's scratch object (src/model/codec.ts): decode/encode round trips, and every way a
// recipe can break the fixed shape is a ModelError naming the variable, never a silent change.

import { describe, expect, it } from 'vitest';
import { produce } from 'immer';
import { buildLayout, packInto, unpack } from '../../src/model/layout.js';
import { buildCodec } from '../../src/model/codec.js';
import { compileModel } from '../../src/model/compile.js';
import { defineModel, step, thread } from '../../src/model/index.js';
import { ModelError } from '../../src/util/errors.js';

const init = { a: 3, b: [true, false], q: [{ x: 1 }, { x: 2 }], o: { y: -4, z: [7, 8] } };

function codecOf(v: typeof init) {
  const layout = buildLayout(v);
  const codec = buildCodec(layout);
  const words = new Int32Array(layout.size);
  packInto(layout.root, v, words, 0);
  return { layout, codec, words };
}

describe('codec', () => {
  it('decode then encode is the identity; the scratch holds the plain state', () => {
    const { layout, codec, words } = codecOf(init);
    codec.decode(words, 0);
    expect(codec.scratch).toEqual(init);
    const out = new Int32Array(layout.size);
    codec.encode(out, 0);
    expect([...out]).toEqual([...words]);
    expect(codec.same(words, 0)).toBe(true);
  });

  it('a recipe run on the scratch gives what immer gives, swaps included', () => {
    const { layout, codec, words } = codecOf(init);
    const recipe = (d: typeof init) => {
      d.a++;
      d.q = [d.q[1]!, d.q[0]!];
      d.o.z[1] = d.o.y;
      d.b[0] = !d.b[0];
    };
    codec.decode(words, 0);
    recipe(codec.scratch as typeof init);
    const out = new Int32Array(layout.size);
    codec.encode(out, 0);
    expect(unpack(layout.root, out, 0)).toEqual(produce(init, recipe));
    // The next decode restores the scratch's own nodes.
    codec.decode(words, 0);
    expect(codec.scratch).toEqual(init);
    expect(codec.same(words, 0)).toBe(true);
  });

  it('encodeRevert writes what encode writes and puts the scratch back to the source state', () => {
    const { layout, codec, words } = codecOf(init);
    const recipes: ((d: typeof init) => void)[] = [
      (d) => void d.a++,
      (d) => void (d.b[1] = true),
      (d) => void (d.o.z[0] = d.a),
      (d) => void (d.o = { y: 9, z: [1, 2] }), // a replaced object: its sealed skeleton comes back
      (d) => void (d.q = [d.q[1]!, d.q[0]!]),
    ];
    codec.decode(words, 0);
    const nodes = [codec.scratch.b, codec.scratch.o, codec.scratch.q, (codec.scratch.q as object[])[0], (codec.scratch.q as object[])[1]];
    for (const recipe of recipes) {
      const viaEncode = new Int32Array(layout.size);
      recipe(codec.scratch as typeof init);
      codec.encode(viaEncode, 0);
      codec.decode(words, 0);
      const out = new Int32Array(layout.size);
      recipe(codec.scratch as typeof init);
      codec.encodeRevert(out, words, 0);
      expect([...out]).toEqual([...viaEncode]);
      const expected = new Int32Array(layout.size);
      packInto(layout.root, produce(init, recipe), expected, 0);
      expect([...out]).toEqual([...expected]);
      expect(codec.scratch).toEqual(init);
      expect(codec.same(words, 0)).toBe(true);
      expect([codec.scratch.b, codec.scratch.o, codec.scratch.q, (codec.scratch.q as object[])[0], (codec.scratch.q as object[])[1]]).toEqual(nodes);
      for (let i = 0; i < nodes.length; i++) expect(Object.is([codec.scratch.b, codec.scratch.o, codec.scratch.q, (codec.scratch.q as object[])[0], (codec.scratch.q as object[])[1]][i], nodes[i])).toBe(true);
      expect(Object.isSealed(codec.scratch.o)).toBe(true);
    }
  });

  it('a step that writes -0 over 0 leaves 0 in the scratch (the packed state has no -0)', () => {
    const { layout, codec, words } = codecOf({ ...init, a: 0 });
    codec.decode(words, 0);
    (codec.scratch as typeof init).a = -0;
    codec.encodeRevert(new Int32Array(layout.size), words, 0);
    expect(Object.is(codec.scratch.a, 0)).toBe(true);
  });

  it('revert puts back exactly the leaves in which two states differ', () => {
    const { layout, codec, words } = codecOf(init);
    const other = new Int32Array(layout.size);
    packInto(layout.root, produce(init, (d) => void ((d.a = 5), (d.b[0] = false), (d.o.z[1] = 0))), other, 0);
    codec.decode(other, 0);
    codec.revert(other, words, 0);
    expect(codec.scratch).toEqual(init);
  });

  it.each([
    ['a string into an int', (d: any) => void (d.a = 'x'), /^a = "x": expected an int32 integer/],
    ['a float', (d: any) => void (d.a = 1.5), /^a = 1.5: expected an int32 integer/],
    ['a number into a boolean', (d: any) => void (d.b[1] = 1), /^b\[1\] = 1: expected a boolean/],
    ['a push', (d: any) => void d.b.push(true), /^b = \[true,false,true\]: expected an array of length 2/],
    // A store far out of range leaves an array 2^31 long (sparse): its message is bounded (describe.ts), not a hang.
    ['a store at index 2^31 - 1', (d: any) => void (d.b[2147483647] = true), /^b = \[true,false,null,.*"\.\.\. \(2147483648 items\)"\]: expected an array of length 2/],
    ['a replaced object with an extra key', (d: any) => void (d.o = { y: 1, z: [1, 2], w: 3 }), /^o: replaced by an object with extra key\(s\) w/],
    ['an alias', (d: any) => void (d.q[0] = d.q[1]), /^q\[1\] and q\[0\] are the same object after the step/],
  ])('rejects %s', (_name, recipe, message) => {
    const { layout, codec, words } = codecOf(init);
    codec.decode(words, 0);
    recipe(codec.scratch);
    expect(() => codec.encode(new Int32Array(layout.size), 0)).toThrow(ModelError);
    try {
      codec.encode(new Int32Array(layout.size), 0);
    } catch (e) {
      expect((e as Error).message).toMatch(message);
    }
    // Decoding again puts everything back, whatever the failed step left.
    codec.decode(words, 0);
    expect(codec.scratch).toEqual(init);
  });

  it('adding a key to a state object throws at once (the objects are sealed)', () => {
    const { codec, words } = codecOf(init);
    codec.decode(words, 0);
    expect(() => {
      (codec.scratch as any).extra = 1;
    }).toThrow(TypeError);
  });
});

describe('read-only phases', () => {
  it('a guard that writes to the state is a model error naming the step', () => {
    type S = { n: number };
    const m = compileModel(
      defineModel<S>({
        name: 'writes-in-guard',
        doc: '',
        params: {},
        variants: { only: '' },
        build: () => ({
          init: { n: 0 },
          threads: [thread<S>('t', [step('s', 'f: s', { guard: (s) => ((s as { n: number }).n = 1) === 1 })])],
        }),
      }),
    );
    expect(() => m.enabled(m.init, [])).toThrow(/wrote to the state/);
  });
});
