// Counterexamples under tso show the reordering: which store was still in which CPU's buffer, in
// the text table, the JSON, the HTML page and the trace file; replay checks the trace file's claims.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKmc } from '../helpers/kmc-cli.js';

const FILE = 'tests/fixtures/models/lost-wakeup.ts';
const dir = mkdtempSync(join(tmpdir(), 'kmc-reorder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `kmc ...args` in this process, stdout and stderr together. */
async function kmc(...args: string[]): Promise<{ code: number; out: string }> {
  const r = await runKmc(...args);
  return { code: r.code, out: [r.out, r.err].filter(Boolean).join('\n') };
}

describe('the reordering in counterexamples', () => {
  const traces = join(dir, 'traces');
  it('the text table shows the buffered stores, not raw buffer slots', async () => {
    const r = await kmc('check', FILE, '--variant', '__set_current_state', '--memory', 'tso', '--property', 'no-lost-wakeup', '--quiet', '--trace-dir', traces, '--workers', '1', '--html', join(dir, 'cx.html'));
    expect(r.code).toBe(1);
    const table = r.out.slice(r.out.indexOf('| # |'), r.out.indexOf('Final state:'));
    expect(table).toMatch(/buffered: cpu0: state=2 /);
    expect(table).toMatch(/buffered: cpu0: state=2; cpu1: cond=1/);
    expect(table).not.toMatch(/m\.sb\[/);
    // The waker looks at p->__state while the waiter's store is still in cpu0's buffer.
    const ttwuRow = table.split('\n').findIndex((l) => l.includes('try_to_wake_up'));
    expect(table.split('\n')[ttwuRow + 1]).toMatch(/buffered: cpu0: state=2 /);
    expect(readFileSync(join(dir, 'cx.html'), 'utf8')).toMatch(/store buffers: <b>cpu0: state=2<\/b>/);
  });

  it('the JSON result carries the buffers per step', async () => {
    const r = await kmc('check', FILE, '--variant', '__set_current_state', '--memory', 'tso', '--property', 'no-lost-wakeup', '--no-traces', '--workers', '1', '--json', '--quiet');
    const j = JSON.parse(r.out);
    expect(j.violations[0].steps.map((s: { buffered: string }) => s.buffered)).toEqual(['cpu0: state=2', 'cpu0: state=2', 'cpu0: state=2; cpu1: cond=1', 'cpu0: state=2', '']);
  });

  it('the trace file records them, replay checks them, and refuses a file that lies about them', async () => {
    const [name] = readdirSync(traces).filter((f) => f.endsWith('.itf.json'));
    const file = join(traces, name!);
    const t = JSON.parse(readFileSync(file, 'utf8'));
    expect(t.states.slice(1).map((s: { '#meta': { storeBuffers: string } }) => s['#meta'].storeBuffers)).toEqual(['cpu0: state=2', 'cpu0: state=2', 'cpu0: state=2; cpu1: cond=1', 'cpu0: state=2', '']);
    const ok = await kmc('replay', file, '--model', FILE);
    expect(ok.code).toBe(1);
    expect(ok.out).toMatch(/every recorded step and state matches the model/);
    t.states[4]['#meta'].storeBuffers = '';
    const lie = join(dir, 'lie.itf.json');
    writeFileSync(lie, JSON.stringify(t));
    const bad = await kmc('replay', lie, '--model', FILE);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/the store buffers held '' after it, but the model's hold 'cpu0: state=2'/);
  });
});
