// clear_bit and test_and_clear_bit on shared memory (src/kernel/memory.ts), the bit operations
// sched-delayed-dequeue's PI descriptor uses (pi_clear_on, pi_test_and_clear_sn): both are
// LOCK'd on x86 (tso: the CPU's store buffer drains first); under lkmm clear_bit (no return
// value) is relaxed and makes only the CPU's stores to its own word visible, test_and_clear_bit
// (value-returning) is fully ordered.
import { describe, expect, it } from 'vitest';
import { WRITE_ONCE, clear_bit, test_and_clear_bit, sharedMemory, describeStoreBuffers } from '../../src/kernel/memory.js';
import type { StepEnv } from '../../src/model/index.js';

const env = { self: 0, local: {}, warnOn: () => {} } as unknown as StepEnv<{}>;

describe('clear_bit and test_and_clear_bit', () => {
  it('tso: each drains the buffer, then updates the word in memory; test_and_clear_bit returns the old bit', () => {
    const m = sharedMemory({ memory: 1, storeBuffer: 2 }, { x: 0b11, y: 0 }, 1);
    WRITE_ONCE(m, 'y', 1, env);
    expect(describeStoreBuffers(m)).toBe('cpu0: y=1');
    clear_bit(m, 0, 'x', env);
    expect(describeStoreBuffers(m)).toBe('');
    expect(m.mem).toEqual({ x: 0b10, y: 1 });
    expect(test_and_clear_bit(m, 1, 'x', env)).toBe(true);
    expect(test_and_clear_bit(m, 1, 'x', env)).toBe(false);
    expect(m.mem.x).toBe(0);
  });

  it('lkmm: clear_bit leaves other words\' stores buffered, test_and_clear_bit drains them', () => {
    const m = sharedMemory({ memory: 2, storeBuffer: 2 }, { x: 0b11, y: 0 }, 1);
    WRITE_ONCE(m, 'y', 1, env);
    clear_bit(m, 0, 'x', env);
    expect(describeStoreBuffers(m)).toBe('cpu0: y=1');
    expect(m.mem.x).toBe(0b10);
    expect(test_and_clear_bit(m, 1, 'x', env)).toBe(true);
    expect(describeStoreBuffers(m)).toBe('');
    expect(m.mem).toEqual({ x: 0, y: 1 });
  });

  it('sc: plain updates of memory', () => {
    const m = sharedMemory({ memory: 0, storeBuffer: 2 }, { x: 0b01 }, 1);
    expect(test_and_clear_bit(m, 0, 'x', env)).toBe(true);
    clear_bit(m, 3, 'x', env);
    expect(m.mem.x).toBe(0);
  });
});
