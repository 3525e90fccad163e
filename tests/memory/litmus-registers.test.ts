// Registers and variables an exists clause names are data from a litmus file: looked up as own
// keys only, and a register the process never assigns holds its initial value 0 (as in herd7),
// never an inherited member or undefined (which made `exists (0:r5=0)` unreachable: a wrong
// "forbidden").
import { describe, expect, it } from 'vitest';
import { parseCLitmus } from '../../src/kernel/litmus-c.js';
import { check } from '../../src/engine/index.js';
import { litmusModel, litmusProperties } from '../../src/kernel/litmus.js';

function verdict(text: string): string {
  const p = parseCLitmus(text);
  if (!p.ok) throw new Error(p.reason);
  const r = check(litmusModel(p.test, 'sc'), litmusProperties(p.test));
  return r.status === 'violated' ? 'allowed' : r.status === 'verified' ? 'forbidden' : r.status;
}

const test = (exists: string) => `C regs
{}
P0(int *x) { int r0; r0 = READ_ONCE(*x); }
P1(int *x) { WRITE_ONCE(*x, 1); }
exists (${exists})
`;

describe('exists clauses: registers and variables by own key, unassigned registers are 0', () => {
  it('a register the process declares but never assigns is 0', () => {
    expect(verdict(test('0:r5=0'))).toBe('allowed');
    expect(verdict(test('0:r5=1'))).toBe('forbidden');
  });
  it('a register named like an Object.prototype member is not that member', () => {
    expect(verdict(test('0:constructor=0'))).toBe('allowed');
    expect(verdict(test('0:toString=0 /\\ 0:r0=1'))).toBe('allowed');
    expect(verdict(test('1:__proto__=0'))).toBe('allowed');
  });
  it('assigned registers still decide (control)', () => {
    expect(verdict(test('0:r0=1'))).toBe('allowed');
    expect(verdict(test('0:r0=2'))).toBe('forbidden');
  });
});
