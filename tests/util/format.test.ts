// thousands() writes its commas by hand (no ICU at start-up): the same text as en-US formatting.

import { describe, expect, it } from 'vitest';
import { thousands } from '../../src/util/format.js';

describe('thousands', () => {
  it('matches toLocaleString("en-US") on rounded numbers, negative, large and not finite ones', () => {
    for (const n of [0, 1, 12, 123, 1234, -1234, -123456, 999_999, 1_000_000, 12_345_678.6, 2 ** 53 - 1, 2 ** 53 + 2, -5e20, 1e25, NaN, Infinity, -Infinity, 0.5, 1.5])
      expect(thousands(n), String(n)).toBe(Math.round(n).toLocaleString('en-US'));
  });
});
