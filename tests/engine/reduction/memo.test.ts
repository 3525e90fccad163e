// The evaluations' memo (src/engine/reduction/memo.ts): `seenShape` answers whether an
// evaluation that read the same values as a state is remembered, and under which read set. A
// one-slot first read set is answered from a flag per small value, without hashing; these tests
// hold it to the hashed answer: values in and out of that range, negative ones, later read sets
// tried when the first misses, and a random sequence against a plain list of what was remembered.
import { describe, expect, it } from 'vitest';
import { ReadMemo } from '../../../src/engine/reduction/memo.js';

const state = (values: Record<number, number>, width = 8): Int32Array => {
  const s = new Int32Array(width);
  for (const [k, v] of Object.entries(values)) s[Number(k)] = v;
  return s;
};

describe('ReadMemo', () => {
  it('answers a one-slot read set for small, large and negative values alike', () => {
    const m = new ReadMemo();
    const slots = Int32Array.of(5);
    for (const v of [3, 70, -1, 0, 63, 64]) expect(m.remember(state({ 5: v }), slots)).toBe(0);
    for (const v of [3, 70, -1, 0, 63, 64]) expect(m.seenShape(state({ 5: v, 2: 9 }))).toBe(0);
    for (const v of [4, 71, -2, 1, 62, 65, 1 << 30]) expect(m.seenShape(state({ 5: v }))).toBe(-1);
    expect(m.seen(state({ 5: 3 }))).toEqual(slots);
    // A value just past the flags' range is no small value's alias.
    const edge = new ReadMemo();
    edge.remember(state({ 5: 64 }), slots);
    expect([64, 0, 63].map((v) => edge.seenShape(state({ 5: v })))).toEqual([0, -1, -1]);
  });

  it('tries the other read sets when the one-slot first one misses', () => {
    const m = new ReadMemo();
    m.remember(state({ 5: 1 }), Int32Array.of(5));
    expect(m.remember(state({ 2: 7, 5: 4 }), Int32Array.of(2, 5))).toBe(1);
    expect(m.seenShape(state({ 2: 7, 5: 4 }))).toBe(1);
    expect(m.seenShape(state({ 2: 8, 5: 4 }))).toBe(-1);
    expect(m.seenShape(state({ 2: 8, 5: 1 }))).toBe(0);
  });

  it('gives what a plain list of the remembered evaluations gives, on random sequences', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const shapes = [Int32Array.of(3), Int32Array.of(1, 3), Int32Array.of(0, 4, 6), Int32Array.of()];
    for (let round = 0; round < 20; round++) {
      const m = new ReadMemo();
      const kept: { slots: Int32Array; values: number[] }[] = [];
      const value = () => (rand(4) === 0 ? rand(200) - 100 : rand(8));
      const order = shapes.slice(0, 1 + rand(3)); // the empty read set only sometimes, last
      if (rand(4) === 0) order.push(shapes[3]!);
      for (let step = 0; step < 300; step++) {
        const s = new Int32Array(8).map(value);
        const expected = (() => {
          // An evaluation that read nothing is the same in every state: once one is remembered it
          // answers every lookup. Otherwise the read sets are tried in the order first remembered.
          const empty = kept.find((k) => k.slots.length === 0);
          if (empty) return empty.slots;
          const seenOrder: Int32Array[] = [];
          for (const k of kept) if (!seenOrder.includes(k.slots)) seenOrder.push(k.slots);
          for (const slots of seenOrder) if (kept.some((k) => k.slots === slots && k.values.every((v, j) => s[slots[j]!] === v))) return slots;
          return null;
        })();
        expect(m.seen(s)).toEqual(expected);
        if (rand(3) === 0) {
          const slots = order[rand(order.length)]!;
          m.remember(s, slots);
          kept.push({ slots, values: Array.from(slots, (x) => s[x]!) });
        }
      }
    }
  });
});
