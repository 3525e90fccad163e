// The frontier (StateQueue) against an array oracle: FIFO and LIFO, interleaved pushes and
// pops, across chunk boundaries (4096 entries per chunk), and its memory as it drains.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateQueue, copyWords } from '../../src/engine/frontier.js';

const CHUNK = 4096;
const WIDTH = 3;

type Op = { push: number } | { pop: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ push: fc.integer({ min: 1, max: 3 * CHUNK }) }),
  fc.record({ pop: fc.integer({ min: 1, max: 3 * CHUNK }) }),
  fc.record({ push: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ pop: fc.integer({ min: 1, max: 5 }) }),
);

function runAgainstOracle(order: 'fifo' | 'lifo', ops: Op[]): void {
  const q = new StateQueue(WIDTH, order);
  // The oracle: an array, taken from the front (head index) or the back.
  const oracle: [number, number, number[]][] = [];
  let head = 0;
  const take = () => (order === 'fifo' ? (head < oracle.length ? oracle[head++] : undefined) : oracle.length > head ? oracle.pop() : undefined);
  const left = () => oracle.length - head;
  const out = new Int32Array(WIDTH);
  // A state wider than the queue's width: only the first WIDTH words are kept (every other push).
  const state = new Int32Array(WIDTH + 2);
  let next = 0;
  let wrong = 0;
  for (const o of ops) {
    if ('push' in o) {
      for (let k = 0; k < o.push; k++, next++) {
        for (let w = 0; w < state.length; w++) state[w] = next * 10 + w;
        // Every other state exactly as wide as the queue (the search's case, one native copy).
        q.push(next % 2 === 0 ? state : state.subarray(0, WIDTH), next, next % 97);
        oracle.push([next, next % 97, Array.from(state.subarray(0, WIDTH))]);
      }
    } else {
      for (let k = 0; k < o.pop; k++) {
        const want = take();
        const got = q.pop(out);
        if (want === undefined) {
          if (got) wrong++;
          break;
        }
        if (!got || q.id !== want[0] || q.depth !== want[1] || out.some((v, w) => v !== want[2][w])) wrong++;
      }
    }
    expect(wrong).toBe(0);
    expect(q.size).toBe(left());
  }
  // Drain: everything left comes out in order, then the queue is empty and holds (almost) nothing.
  for (let want = take(); want !== undefined; want = take()) {
    const got = q.pop(out);
    if (!got || q.id !== want[0] || q.depth !== want[1] || out.some((v, w) => v !== want[2][w])) wrong++;
  }
  expect(wrong).toBe(0);
  expect(q.pop(out)).toBe(false);
  expect(q.size).toBe(0);
  expect(q.bytes()).toBeLessThanOrEqual(CHUNK * (WIDTH + 2) * 4);
}

describe('StateQueue', () => {
  it.each(['fifo', 'lifo'] as const)('%s: same order, ids, depths and states as an array, across chunks', (order) => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => runAgainstOracle(order, ops)),
      { numRuns: 60 },
    );
  });

  it.each(['fifo', 'lifo'] as const)('%s: exactly at chunk boundaries', (order) => {
    for (const n of [CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 1]) {
      runAgainstOracle(order, [{ push: n }, { pop: 1 }, { push: 1 }, { pop: n }, { push: CHUNK }, { pop: CHUNK + 1 }]);
    }
  });

  it('fifo releases the chunks its head has passed', () => {
    const q = new StateQueue(WIDTH, 'fifo');
    const s = new Int32Array(WIDTH);
    for (let i = 0; i < 5 * CHUNK; i++) q.push(s, i, 0);
    const full = q.bytes();
    expect(full).toBe(5 * CHUNK * (WIDTH + 2) * 4);
    const buffers = q.segments().map((x) => x.buffer);
    expect(buffers.length).toBe(5);
    for (let i = 0; i < 3 * CHUNK; i++) q.pop(s);
    // The two chunks still queued, and the last one released, kept for the tail's next chunk.
    expect(q.bytes()).toBe(3 * CHUNK * (WIDTH + 2) * 4);
    // The tail's next chunk is the one released last (no new zeroed memory), not a new one.
    for (let i = 0; i < CHUNK; i++) q.push(s, i, 0);
    const now = q.segments().map((x) => x.buffer);
    expect(now.length).toBe(3);
    [buffers[3], buffers[4], buffers[2]].forEach((b, i) => expect(now[i], `chunk ${i}`).toBe(b));
    expect(q.bytes()).toBe(3 * CHUNK * (WIDTH + 2) * 4);
  });
});

describe('copyWords', () => {
  it('copies n words from any offset to any offset, for n below, at and above a multiple of four', () => {
    const src = Int32Array.from({ length: 40 }, (_, i) => (i + 1) * 0x01010101);
    for (let n = 0; n <= 13; n++)
      for (const from of [0, 1, 5])
        for (const at of [0, 3]) {
          const dst = new Int32Array(20).fill(-7);
          copyWords(dst, at, src, from, n);
          const want = new Int32Array(20).fill(-7);
          for (let k = 0; k < n; k++) want[at + k] = src[from + k]!;
          expect([...dst], `n=${n} from=${from} at=${at}`).toEqual([...want]);
        }
  });
});
