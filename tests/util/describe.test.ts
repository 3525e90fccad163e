// describeValue (src/util/describe.ts): how a value a failed step left is shown in an error
// message. Bounded: a sparse array 2^31 long (a recipe's store to a huge index) made
// JSON.stringify walk every hole, and the error took minutes instead of being reported.

import { describe, expect, it } from 'vitest';
import { describeValue } from '../../src/util/describe.js';

describe('describeValue', () => {
  it('shows small values as JSON, undefined and strings as JavaScript writes them', () => {
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue('x')).toBe('"x"');
    expect(describeValue(1.5)).toBe('1.5');
    expect(describeValue([1, 2, 3])).toBe('[1,2,3]');
    expect(describeValue({ a: [true], b: null })).toBe('{"a":[true],"b":null}');
  });

  it('shows a sparse array 2^31 long by its first items and its length, at once', () => {
    const a: unknown[] = [0, 1, 2];
    a[2147483647] = 5;
    const s = describeValue(a);
    expect(s).toMatch(/^\[0,1,2,null,.*"\.\.\. \(2147483648 items\)"\]$/);
    expect(s.length).toBeLessThan(200);
  });

  it('bounds nested arrays, wide objects and long text', () => {
    expect(describeValue({ o: Array.from({ length: 40 }, (_, i) => i) })).toMatch(/^\{"o":\[0,1,.*,15,"\.\.\. \(40 items\)"\]\}$/);
    const wide = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
    expect(describeValue(wide)).toMatch(/"k15":15,"\.\.\.":"\(30 keys\)"\}$/);
    expect(describeValue('x'.repeat(1000))).toMatch(/\.\.\. \(1002 characters\)$/);
  });

  it('falls back to a bounded text for a cycle', () => {
    const c: unknown[] = [];
    c.push(c);
    expect(describeValue(c)).toBe('an array of length 1');
    const o: Record<string, unknown> = {};
    o['self'] = o;
    expect(describeValue(o)).toBe('[object Object]');
  });
});
