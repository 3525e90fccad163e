// The store buffers themselves: the bound (--store-buffer K) is reported and never verified, the
// primitives' forwarding and draining, and the engine agrees with the reference explorer on the
// litmus models and the lost wakeup under tso (states, transitions, verdicts, shortest paths).
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/index.js';
import { litmusModel, litmusProperties } from '../../src/kernel/litmus.js';
import { READ_ONCE, WRITE_ONCE, smp_mb, sharedMemory, describeStoreBuffers, xchg, STORE_BUFFER_BOUND } from '../../src/kernel/memory.js';
import type { StepEnv } from '../../src/model/index.js';
import { SHAPES } from './litmus-shapes.js';
import { expectAgreement } from '../oracle/compare.js';
import lostWakeup, { properties as lostWakeupProperties } from '../fixtures/models/lost-wakeup.js';

const shape = (name: string) => SHAPES.find((s) => s.test.name === name)!.test;

function envOf(self: number, reached: string[] = []): StepEnv<{}> {
  return { thread: `P${self}`, self, threadNames: [], local: {}, warnOn: (c, t) => void (reached.push(t), c && reached.push('fired')), bugOn: () => {} };
}

describe('store buffers', () => {
  it('forward a CPU\'s own stores, hide them from other CPUs, and drain in FIFO order at a fence', () => {
    const m = sharedMemory({ memory: 1, storeBuffer: 2 }, { x: 0, y: 0 }, 2);
    const p0 = envOf(0);
    const p1 = envOf(1);
    WRITE_ONCE(m, 'x', 1, p0);
    WRITE_ONCE(m, 'x', 2, p0);
    expect(READ_ONCE(m, 'x', p0)).toBe(2);
    expect(READ_ONCE(m, 'x', p1)).toBe(0);
    expect(describeStoreBuffers(m)).toBe('cpu0: x=1, x=2');
    smp_mb(m, p0);
    expect(m.mem.x).toBe(2);
    expect(m.sb[0]).toEqual({ n: 0, addr: [0, 0], val: [0, 0], mark: 0, before: 0, grp: [0, 0], fence: 0 });
    expect(READ_ONCE(m, 'x', p1)).toBe(2);
  });

  it('a LOCK\'d xchg drains first and returns the value in memory', () => {
    const m = sharedMemory({ memory: 1, storeBuffer: 2 }, { x: 0, y: 0 }, 2);
    WRITE_ONCE(m, 'y', 5, envOf(0));
    expect(xchg(m, 'x', 3, envOf(0))).toBe(0);
    expect(m.mem).toEqual({ x: 3, y: 5 });
  });

  it('under sc there are no buffers: stores are in memory at once', () => {
    const m = sharedMemory({ memory: 0, storeBuffer: 2 }, { x: 0 }, 2);
    WRITE_ONCE(m, 'x', 1, envOf(0));
    expect(m).toEqual({ mem: { x: 1 }, sb: [], model: 0 });
  });

  it('a store into a full buffer drains the oldest first and says the bound cut behaviours', () => {
    const m = sharedMemory({ memory: 1, storeBuffer: 1 }, { x: 0, y: 0 }, 1);
    const reached: string[] = [];
    WRITE_ONCE(m, 'x', 1, envOf(0, reached));
    expect(reached).toEqual([]);
    WRITE_ONCE(m, 'y', 1, envOf(0, reached));
    expect(reached).toEqual([STORE_BUFFER_BOUND]);
    expect(m.mem).toEqual({ x: 1, y: 0 });
    expect(describeStoreBuffers(m)).toBe('cpu0: y=1');
  });

  it('a run whose stores found a buffer full is never verified (MP with one entry per CPU)', () => {
    const t = shape('MP');
    const r = check(litmusModel(t), litmusProperties(t), { params: { storeBuffer: 1 } });
    expect(r.status).toBe('incomplete');
    expect(r.status === 'incomplete' && r.stoppedBy).toBe('store-buffer-bound');
    expect(r.status === 'incomplete' && r.properties.map((p) => p.status)).toEqual(['unknown']);
    // With room for both stores nothing is cut, and MP is forbidden.
    expect(check(litmusModel(t), litmusProperties(t), { params: { storeBuffer: 2 } }).status).toBe('verified');
  });

  it('a witness found under a cutting bound is real, but the run says it is not complete (R: P0 stores twice)', () => {
    const t = shape('R');
    const r = check(litmusModel(t), litmusProperties(t), { params: { storeBuffer: 1 } });
    expect(r.status).toBe('violated');
    expect(r.status === 'violated' && [r.complete, r.stoppedBy]).toEqual([false, 'store-buffer-bound']);
  });

  it('partial-order reduction under tso and lkmm says the bound cut exactly when the unreduced search does', () => {
    // MP and R with one entry per CPU (cut: incomplete, and violated but incomplete), SB with two (not cut).
    for (const [name, storeBuffer] of [['MP', 1], ['R', 1], ['SB', 2]] as const)
      for (const memory of ['tso', 'lkmm'] as const) {
        const t = shape(name);
        const plain = check(litmusModel(t, memory), litmusProperties(t), { params: { storeBuffer } });
        // The reduced search itself: nothing learned first, no giving up (src/engine/reduction/por.ts, "UNDER STORE BUFFERS").
        const por = check(litmusModel(t, memory), litmusProperties(t), { params: { storeBuffer }, por: true, porSeed: { states: 0, walks: 0, keep: true } });
        const what = (r: typeof plain) => (r.status === 'error' ? r.message : [r.status, 'stoppedBy' in r ? r.stoppedBy : undefined, r.properties.map((p) => p.status)]);
        expect(what(por), `${name} under ${memory}`).toEqual(what(plain));
        expect(what(plain)[1], `${name} under ${memory}`).toBe(storeBuffer === 1 ? 'store-buffer-bound' : undefined);
      }
  });
});

describe('the engine agrees with the reference explorer under tso', () => {
  for (const name of ['SB', 'MP', 'IRIW', '2+2W', 'SB+rfi', 'R+mb']) {
    it(name, () => {
      const t = shape(name);
      const { result } = expectAgreement(litmusModel(t), litmusProperties(t));
      expect(result.status).toBe(SHAPES.find((s) => s.test.name === name)!.tso === 'allowed' ? 'violated' : 'verified');
    });
  }
  for (const name of ['MP', '2+2W', 'SB+add+after_atomic']) {
    it(`${name} under lkmm`, () => {
      const t = shape(name);
      const { result } = expectAgreement(litmusModel(t, 'lkmm'), litmusProperties(t));
      expect(result.status).toBe(SHAPES.find((s) => s.test.name === name)!.lkmm === 'allowed' ? 'violated' : 'verified');
    });
  }
  it('lost wakeup, both variants', () => {
    expect(expectAgreement(lostWakeup, lostWakeupProperties, { variant: '__set_current_state', params: { memory: 1, storeBuffer: 2 } }).result.status).toBe('violated');
    expect(expectAgreement(lostWakeup, lostWakeupProperties, { variant: 'set_current_state', params: { memory: 1, storeBuffer: 2 } }).result.status).toBe('verified');
  });
});
