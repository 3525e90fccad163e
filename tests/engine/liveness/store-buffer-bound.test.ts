// A liveness property is analysed on the recorded state graph; under --memory tso a store that
// found its buffer full cut that graph (src/kernel/memory.ts), so no liveness property may be
// reported as holding on it: the verdict is unknown and the run says the bound stopped it.
import { describe, expect, it } from 'vitest';
import { check } from '../../../src/engine/index.js';
import { litmusModel, litmusProperties } from '../../../src/kernel/litmus.js';
import { eventually } from '../../../src/property/liveness.js';
import type { Property } from '../../../src/property/types.js';
import { SHAPES } from '../../memory/litmus-shapes.js';

const mp = SHAPES.find((s) => s.test.name === 'MP')!.test;
type MpState = { m: { sb: { n: number }[] } };
// Every fair run ends with the store buffers drained (true on x86-TSO: the memory subsystem drains).
const drained = eventually<MpState>('drained', 'every store buffer drains', (s) => s.vars.m.sb.every((b) => b.n === 0));
const properties = [...litmusProperties(mp), drained] as Property[];

describe('liveness under a cutting store-buffer bound', () => {
  // Symmetry on a litmus model (it declares none) is the plain search, one search for both;
  // partial-order reduction makes the liveness search a separate one.
  for (const [how, o] of [['one search', {}], ['symmetry asked for, none declared: one search', { symmetry: true }], ['separate liveness search', { por: true }]] as const) {
    it(`is unknown, never holds (${how})`, () => {
      const r = check(litmusModel(mp), properties, { params: { storeBuffer: 1 }, ...o });
      expect(r.status === 'incomplete' && r.liveness?.notes.some((n) => /a separate search/.test(n))).toBe('por' in o);
      expect(r.status).toBe('incomplete');
      expect(r.status === 'incomplete' && r.stoppedBy).toBe('store-buffer-bound');
      expect(r.status === 'incomplete' && r.properties.map((p) => [p.name, p.status])).toEqual([
        ['exists-unreachable', 'unknown'],
        ['drained', 'unknown'],
      ]);
    });
  }
  it('holds with room for every store (nothing cut)', () => {
    const r = check(litmusModel(mp), properties, { params: { storeBuffer: 2 } });
    expect(r.status).toBe('verified');
    expect(r.status === 'verified' && r.properties.map((p) => p.status)).toEqual(['holds', 'holds']);
  });
});
