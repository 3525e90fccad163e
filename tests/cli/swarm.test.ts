// kmc simulate --swarm N [--swarm-index i] and kmc swarm merge: members differently seeded,
// bounded and driven; a member run alone (a CI matrix job) gives exactly what it gives in the
// whole swarm; merged reports give each property's shortest violation, which replays; missing
// members are named; reports of another run or swarm are refused; every output says a swarm
// proves nothing.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeSwarmReports, swarmMember, type SwarmReport } from '../../src/random/swarm.js';
import { runKmc } from '../helpers/kmc-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'kmc-swarm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BUGGY = ['xen-remove-from-physmap', '--variant', 'ia64-hunk-on-x86'];
const FIXED = ['xen-remove-from-physmap', '--variant', 'reviewed'];
const common = ['--seed', '11', '--runs', '40', '--depth', '60', '--no-traces'];
const noTime = (r: SwarmReport) => r.members.map(({ timeMs: _t, ...m }) => m);

async function report(args: string[]): Promise<{ code: number; report: SwarmReport; file: string }> {
  const r = await runKmc('simulate', ...args, '--json');
  const file = join(dir, `r${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, r.out);
  return { code: r.code, report: JSON.parse(r.out) as SwarmReport, file };
}

describe('swarm members', () => {
  it('differ in seed, depth bound and strategy, derived from the swarm alone', () => {
    const base = { size: 6, seed: 11, depth: 60, runs: 40 };
    const ms = Array.from({ length: 6 }, (_, i) => swarmMember(base, i));
    expect(ms[0]).toMatchObject({ seed: 11, depth: 60, strategy: 'schedule' });
    expect(new Set(ms.map((m) => m.seed)).size).toBe(6);
    expect(new Set(ms.map((m) => m.depth)).size).toBeGreaterThanOrEqual(5);
    for (const m of ms) expect(m.depth).toBeGreaterThanOrEqual(15);
    expect(ms.map((m) => m.strategy)).toEqual(['schedule', 'uniform', 'schedule', 'uniform', 'schedule', 'uniform']);
    expect(swarmMember(base, 3)).toEqual(ms[3]);
  });
});

describe('kmc simulate --swarm and kmc swarm merge', () => {
  it('a member alone gives what it gives in the whole swarm; merged, the violation replays', async () => {
    const whole = await report([...BUGGY, '--swarm', '3', ...common]);
    expect(whole.code).toBe(1);
    expect(whole.report.members.map((m) => m.index)).toEqual([0, 1, 2]);
    expect(whole.report.provesNothing).toMatch(/finding none proves nothing/);
    // The whole swarm spread over a pool of workers: the same members' reports.
    const pooled = await report([...BUGGY, '--swarm', '3', '--workers', '2', ...common]);
    expect(noTime(pooled.report)).toEqual(noTime(whole.report));
    const pooledText = await runKmc('simulate', ...BUGGY, '--swarm', '3', '--workers', '2', ...common);
    const oneText = await runKmc('simulate', ...BUGGY, '--swarm', '3', '--workers', '1', ...common);
    const noTimes = (t: string) => t.replace(/\(\d[\d.,]* m?s\)/g, '');
    expect(noTimes(pooledText.out)).toBe(noTimes(oneText.out));
    const parts = [];
    for (const i of [0, 1, 2]) parts.push(await report([...BUGGY, '--swarm', '3', '--swarm-index', String(i), ...common]));
    expect(parts.flatMap((p) => noTime(p.report))).toEqual(noTime(whole.report));

    const merged = await runKmc('swarm', 'merge', ...parts.map((p) => p.file));
    expect(merged.code).toBe(1);
    expect(merged.out).toMatch(/^SWARM xen-remove-from-physmap --variant ia64-hunk-on-x86 .*: 3 of 3 members from 3 reports/m);
    expect(merged.out).toContain('finding none proves nothing');
    expect(merged.out).toContain('not re-run here: confirm each with kmc replay');
    // Each property's shortest violation, with the command that replays it: it does.
    const m = mergeSwarmReports(parts.map((p) => ({ name: p.file, report: p.report })));
    expect(m.violations.length).toBeGreaterThan(0);
    for (const v of m.violations) {
      const shortest = Math.min(...m.members.filter((x) => x.violation?.property === v.property).map((x) => x.violation!.steps));
      expect(v.steps).toBe(shortest);
      const replayed = await runKmc('replay', ...BUGGY, v.replay);
      expect(replayed.code, replayed.out).toBe(1);
      expect(replayed.out).toContain(v.property);
    }
  });

  it('nothing found: exit 3 and it says so is no proof; a missing member is named', async () => {
    const text = await runKmc('simulate', ...FIXED, '--swarm', '2', ...common);
    expect(text.code).toBe(3);
    expect(text.out).toMatch(/^SWARM .*: NO VIOLATION FOUND$/m);
    expect(text.out).toContain('finding none proves nothing');
    // A walk cannot see a cycle: liveness properties are named as not checked.
    const live = await runKmc('simulate', 'kvm-hotplug', '--variant', 'v6.12', '--swarm', '1', '--runs', '3', '--seed', '1', '--no-traces');
    expect(live.out).toMatch(/^Not checked \(liveness needs the whole state graph: kmc check\): livelock, reboot-returns, kvm-lock-waiters-served$/m);
    expect(live.out).not.toMatch(/^Properties checked: .*reboot-returns/m);
    const one = await report([...FIXED, '--swarm', '3', '--swarm-index', '1', ...common]);
    const merged = await runKmc('swarm', 'merge', one.file);
    expect(merged.code).toBe(3);
    expect(merged.out).toContain('Missing: no report covers members 0, 2: the swarm is partial.');
    expect(merged.out).toContain('NO VIOLATION FOUND by any member.');
  });

  it('refuses reports of another run or another swarm, and usage errors, with exit 2', async () => {
    const a = await report([...FIXED, '--swarm', '2', '--swarm-index', '0', ...common]);
    const variant = await report([...BUGGY, '--swarm', '2', '--swarm-index', '1', ...common]);
    const seed = await report([...FIXED, '--swarm', '2', '--swarm-index', '1', ...common.slice(2), '--seed', '12']);
    expect(await runKmc('swarm', 'merge', a.file, variant.file)).toMatchObject({ code: 2, err: expect.stringMatching(/is a report of another run than .*: the variant differs: reviewed then, ia64-hunk-on-x86 now/) });
    expect(await runKmc('swarm', 'merge', a.file, seed.file)).toMatchObject({ code: 2, err: expect.stringMatching(/is of another swarm than/) });
    const notReport = join(dir, 'x.json');
    writeFileSync(notReport, '{"status":"verified"}');
    expect(await runKmc('swarm', 'merge', notReport)).toMatchObject({ code: 2, err: expect.stringMatching(/is not a kmc swarm report/) });
    expect(await runKmc('simulate', ...FIXED, '--workers', '2')).toMatchObject({ code: 2, err: expect.stringMatching(/--workers goes with --swarm N/) });
    expect(await runKmc('simulate', ...FIXED, '--swarm-index', '1')).toMatchObject({ code: 2, err: expect.stringMatching(/--swarm-index goes with --swarm N/) });
    expect(await runKmc('simulate', ...FIXED, '--swarm', '2', '--swarm-index', '2', '--seed', '1')).toMatchObject({ code: 2, err: expect.stringMatching(/members of a swarm of 2 are 0 to 1/) });
    expect(await runKmc('simulate', ...FIXED, '--swarm', '2', '--swarm-index', '1')).toMatchObject({ code: 2, err: expect.stringMatching(/give --seed S too/) });
  });
});
