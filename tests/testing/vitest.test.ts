import { describe, expect, it } from 'vitest';
import { check } from '../../src/testing/vitest.js';
import * as tb from '../fixtures/textbook.js';
import { spinner } from '../fixtures/liveness-textbook.js';
import { defineProperties, eventually } from '../../src/property/index.js';

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
    const correct = await check({ model: tb.peterson, properties: tb.petersonProps }, { variant: 'correct' });
    expect(() => expect(correct).toBeViolated('mutex')).toThrow(/property mutex to be violated/);
  });
  it('a search cut short does not hold', async () => {
    const r = await check({ model: tb.peterson, properties: tb.petersonProps }, { variant: 'correct', maxStates: 5 });
    expect(r.status).toBe('incomplete');
    expect(r).not.toHold();
  });
  it('a bare model is an error, not a check of deadlock alone', async () => {
    await expect(check(tb.peterson, { variant: 'broken' })).rejects.toThrow(/check\(peterson\): a bare model has no properties to check; pass \{ model, properties \}/);
  });
  it('deadlock and livelock freedom are checked even when the properties do not list them', async () => {
    const r = await check(tb.abba, { variant: 'abba', properties: [] });
    expect(r).toBeViolated('deadlock');
    expect(r.status !== 'error' && r.properties.map((p) => p.name)).toEqual(['deadlock', 'livelock']);
  });
  it('deadlock and livelock are opted out of by name, each on its own', async () => {
    // The buggy spinner loops for ever: opting out of deadlock keeps the livelock check.
    const noDeadlock = await check(spinner, { variant: 'buggy', properties: defineProperties('spinner', [], { deadlock: false }) });
    expect(noDeadlock.status !== 'error' && noDeadlock.properties.map((p) => p.name)).toEqual(['livelock']);
    expect(noDeadlock).toBeViolated('livelock');
    const noLivelock = await check(spinner, { variant: 'buggy', properties: defineProperties('spinner', [], { livelock: false }) });
    expect(noLivelock.status !== 'error' && noLivelock.properties.map((p) => p.name)).toEqual(['deadlock']);
    expect(noLivelock).toHold();
    const leaves = eventually<{ cond: number }>('waiter-leaves', 'the waiter eventually leaves', (s) => s.ended('cpu0/waiter'));
    const neither = await check(spinner, { variant: 'buggy', properties: defineProperties('spinner', [leaves], { deadlock: false, livelock: false }) });
    expect(neither.status !== 'error' && neither.properties.map((p) => p.name)).toEqual(['waiter-leaves']);
    expect(() => defineProperties('spinner', [leaves, { ...leaves, name: 'livelock' }], { livelock: false })).toThrow(/opts out of the livelock check, but a property is named 'livelock'/);
  });
  it('an unknown property name is an error, with or without .not', async () => {
    const r = await check({ model: tb.abba, properties: tb.abbaProps }, { variant: 'abba' });
    expect(() => expect(r).toBeViolated('dedlock')).toThrow("toBeViolated('dedlock'): abba has no property 'dedlock' among those checked (deadlock, livelock)");
    expect(() => expect(r).not.toBeViolated('dedlock')).toThrow(/has no property 'dedlock'/);
  });
  it('a failing matcher says which properties were checked', async () => {
    const r = await check({ model: tb.peterson, properties: tb.petersonProps }, { variant: 'broken' });
    expect(() => expect(r).toHold()).toThrow(/properties checked: mutex, deadlock/);
  });
});
