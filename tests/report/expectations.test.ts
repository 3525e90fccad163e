import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import { compareExpectations, expectationsFrom, parseExpectations } from '../../src/report/expectations.js';
import * as tb from '../fixtures/textbook.js';

const results = [
  check(tb.lostUpdate, tb.lostUpdateProps, { variant: 'racy' }),
  check(tb.lostUpdate, tb.lostUpdateProps, { variant: 'atomic' }),
];

describe('expectations', () => {
  it('round-trips: the results match the expectations written from them', () => {
    const e = expectationsFrom(results);
    expect(e['lost-update']!['racy']!.properties['no-lost-update']).toBe('violated');
    expect(compareExpectations(results, parseExpectations(JSON.stringify(e), 'x.json'))).toEqual([]);
  });
  it('reports a changed state count, a changed verdict, and missing runs', () => {
    const e = expectationsFrom(results);
    e['lost-update']!['racy']!.states += 1;
    e['lost-update']!['atomic']!.properties['no-lost-update'] = 'violated';
    e['abba'] = { abba: { states: 1, properties: { deadlock: 'violated' } } };
    const diffs = compareExpectations(results, e);
    expect(diffs).toEqual([
      `lost-update racy: ${results[0]!.status !== 'error' ? results[0]!.stats.states : 0} distinct states, expected ${e['lost-update']!['racy']!.states}`,
      'lost-update atomic: property no-lost-update holds, expected violated',
      'abba abba: expected but not checked',
    ]);
  });
  it('an incomplete search never matches', () => {
    const e = expectationsFrom(results);
    const cut = [check(tb.lostUpdate, tb.lostUpdateProps, { variant: 'racy', maxStates: 3 }), results[1]!];
    expect(compareExpectations(cut, e).length).toBeGreaterThan(0);
    expect(() => expectationsFrom(cut)).toThrow(/not explored completely/);
  });
  it('rejects malformed files with the place that is wrong', () => {
    expect(() => parseExpectations('{', 'f.json')).toThrow(/not JSON/);
    expect(() => parseExpectations('{"m":{"v":{"states":1.5,"properties":{}}}}', 'f.json')).toThrow(/m\.v\.states/);
    expect(() => parseExpectations('{"m":{"v":{"states":1,"properties":{"p":"ok"}}}}', 'f.json')).toThrow(/m\.v\.properties\.p/);
  });
});
