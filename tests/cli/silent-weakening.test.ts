// No silent all-clear (issue 11): each way a check once got quietly weaker, and printed VERIFIED,
// is now a clear error, or the check it skipped is made after all.

import { describe, expect, it } from 'vitest';
import { runKmc as raw } from '../helpers/kmc-cli.js';

const F = 'tests/fixtures/silent';


const kmc = (...args: string[]) => raw(...args, '--quiet', '--no-traces');

describe('a model file is checked for what it says, or refused', () => {
  it('broken Peterson with its properties misnamed: an error naming the export, not VERIFIED', async () => {
    const r = await kmc('check', `${F}/peterson-misnamed.ts`, '--variant', 'broken');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^kmc: model file \.\/tests\/fixtures\/silent\/peterson-misnamed\.ts exports no 'properties'/);
    expect(r.err).toContain("'petersonProps' (a property set (mutex, deadlock))");
    expect(r.err).toContain("rename 'petersonProps' to 'properties'");
  });

  it('no properties export at all: an error', async () => {
    const r = await kmc('check', `${F}/peterson-no-properties.ts`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/exports no 'properties', so kmc would check nothing but the built-in deadlock and livelock; it exports default \(a model 'peterson'\)/);
  });

  it('the model under another name than default: an error saying which', async () => {
    const r = await kmc('check', `${F}/peterson-named-model.ts`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/has no model as its default export; it exports 'model' \(a model 'peterson'\).*export default model/);
  });

  it('ABBA with one invariant and no deadlockFree(): the deadlock is reported', async () => {
    const r = await kmc('check', `${F}/abba-invariant-only.ts`, '--variant', 'abba');
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe('VIOLATED abba --variant abba: deadlock');
    expect(r.out).toMatch(/Properties:\n {2}holds +holder-valid: .*\n {2}violated +deadlock: /);
  });

  it('the deadlock check goes only when opted out by name, and the output says what was checked', async () => {
    // Opting out of deadlock keeps the built-in livelock check (ABBA has no cycle: not exercised).
    const optedOut = await kmc('check', `${F}/abba-opted-out.ts`, '--variant', 'abba');
    expect(optedOut.code).toBe(0);
    expect(optedOut.out).toMatch(/Properties:\n {2}holds +holder-valid: [^\n]*\n {2}holds, not exercised livelock: [^\n]*\n[^\n]*not exercised: [^\n]*\n\n/);
    const flag = await kmc('check', `${F}/abba-invariant-only.ts`, '--variant', 'abba', '--no-deadlock');
    expect(flag.code).toBe(0);
    expect(flag.out).not.toMatch(/ deadlock: /);
    expect(flag.out).toMatch(/Properties:\n {2}holds +holder-valid: [^\n]*\n {2}holds, not exercised livelock: /);
    const both = await kmc('check', `${F}/abba-invariant-only.ts`, '--variant', 'abba', '--no-deadlock', '--no-livelock');
    expect(both.code).toBe(0);
    expect(both.out).toMatch(/Properties:\n {2}holds +holder-valid: [^\n]*\n\n/);
  });

  it('the livelock check goes only when opted out by name: the spinner is VERIFIED only with --no-livelock', async () => {
    const SPINNER = 'tests/fixtures/models/spinner.ts';
    const on = await kmc('check', SPINNER, '--variant', 'buggy', '--no-deadlock', '--property', 'livelock');
    expect(on.code).toBe(1);
    const off = await kmc('check', SPINNER, '--variant', 'buggy', '--no-livelock', '--json');
    expect(JSON.parse(off.out).properties.map((p: { name: string }) => p.name)).toEqual(['deadlock', 'waiter-leaves']);
    expect(off.code).toBe(1);
    const deadlockOnly = await kmc('check', SPINNER, '--variant', 'buggy', '--no-livelock', '--property', 'deadlock');
    expect(deadlockOnly.code).toBe(0);
    expect(deadlockOnly.out).toMatch(/Properties:\n {2}holds +deadlock: [^\n]*\n\n/);
  });

  it('--no-deadlock with --property deadlock is a contradiction, and so is --no-livelock with --property livelock', async () => {
    const r = await kmc('check', `${F}/abba-invariant-only.ts`, '--no-deadlock', '--property', 'deadlock');
    expect(r.code).toBe(2);
    expect(r.err).toBe('kmc: --no-deadlock and --property deadlock contradict each other');
    const l = await kmc('check', `${F}/abba-invariant-only.ts`, '--no-livelock', '--property', 'livelock');
    expect(l.code).toBe(2);
    expect(l.err).toBe('kmc: --no-livelock and --property livelock contradict each other');
    const all = await kmc('check', '--all', '--no-livelock');
    expect(all.code).toBe(2);
    expect(all.err).toMatch(/--no-deadlock and --no-livelock go with a single model/);
  });

  it('--json lists every property it checked', async () => {
    const r = await kmc('check', `${F}/abba-invariant-only.ts`, '--variant', 'ordered', '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { properties: { name: string }[] };
    expect(json.properties.map((p) => p.name)).toEqual(['holder-valid', 'deadlock', 'livelock']);
  });

  it('kmc prove and kmc simulate say which properties they checked too', async () => {
    const prove = await raw('prove', `${F}/abba-invariant-only.ts`, '--from', 'abba', '--to', 'ordered', '--quiet');
    expect(prove.out).toContain('  properties checked: holder-valid, deadlock');
    const sim = await raw('simulate', `${F}/abba-invariant-only.ts`, '--variant', 'ordered', '--runs', '20', '--seed', '1');
    expect(sim.code).toBe(3);
    expect(sim.out).toContain('Properties checked: holder-valid, deadlock');
  });
});
