import { describe, expect, it } from 'vitest';
import { check } from '../../src/testing/vitest.js';
import * as tb from '../fixtures/textbook.js';

describe('the vitest helper', () => {
  it('toHold passes for a verified model and fails otherwise', async () => {
    expect(await check({ model: tb.lostUpdate, properties: tb.lostUpdateProps }, { variant: 'atomic' })).toHold();
    const racy = await check({ model: tb.lostUpdate, properties: tb.lostUpdateProps }, { variant: 'racy' });
    expect(() => expect(racy).toHold()).toThrow(/expected every property to hold exhaustively, got: VIOLATED/);
    expect(racy).not.toHold();
  });
  it('toBeViolated names the property', async () => {
    const r = await check({ model: tb.abba, properties: tb.abbaProps }, { variant: 'abba' });
    expect(r).toBeViolated('deadlock');
    expect(r).toBeViolated();
    expect(() => expect(r).toBeViolated('mutex')).toThrow(/property mutex to be violated/);
  });
  it('a search cut short does not hold', async () => {
    const r = await check({ model: tb.peterson, properties: tb.petersonProps }, { variant: 'correct', maxStates: 5 });
    expect(r.status).toBe('incomplete');
    expect(r).not.toHold();
  });
  it('a bare model is checked for deadlock', async () => {
    expect(await check(tb.abba, { variant: 'abba' })).toBeViolated('deadlock');
  });
});
