import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';

const ABBA = resolve('tests/fixtures/models/abba.ts');
const LOST = resolve('tests/fixtures/models/lost-update.ts');
const PETERSON = resolve('tests/fixtures/models/peterson.ts');
const PINNED = resolve('tests/fixtures/models/pinned-counter.ts');

async function kmc(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['node', 'kmc', ...args], { out: (t) => void out.push(t), err: (t) => void err.push(t), isTTY: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('kmc prove', () => {
  it.each([
    [LOST, 'racy', 'atomic'],
    [ABBA, 'abba', 'ordered'],
    [PETERSON, 'broken', 'correct'],
  ])('%s: %s -> %s is proved (exit 0)', async (model, from, to) => {
    const r = await kmc('prove', model, '--from', from, '--to', to, '--quiet');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(new RegExp(`^PROVED [\\w-]+.*: ${from} -> ${to}$`));
    expect(r.out.split('\n').slice(1, 4).every((l) => / yes -- /.test(l))).toBe(true);
  });

  it('a lock the patch takes on either CPU: proved, and the output says which CPU it chose and why', async () => {
    const r = await kmc('prove', PINNED, '--from', 'racy', '--to', 'locked', '--quiet');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('PROVED pinned-counter: racy -> locked');
    expect(r.out.split('\n')[3]).toMatch(
      /^  3\. the racy interleaving no longer breaks it on locked: yes -- it stops at step 2 of 4: .*\(before old step 1, t0 chose 'inc: spin_lock\(&lock\) \[on cpu1\]' of 2 alternatives: .*: it is the closest to the old trace's labels\)$/,
    );
    const md = await kmc('prove', PINNED, '--from', 'racy', '--to', 'locked', '--markdown');
    expect(md.out).toContain('(chosen of 2 alternatives)');
  });

  it('the wrong way round is not proved (exit 1), and says which parts failed', async () => {
    const r = await kmc('prove', ABBA, '--from', 'ordered', '--to', 'abba', '--quiet');
    expect(r.code).toBe(1);
    expect(r.out.split('\n')[0]).toBe('NOT PROVED abba: ordered -> abba: parts 1, 2, 3 failed');
  });

  it('a search cut short is no proof (exit 1)', async () => {
    const r = await kmc('prove', PETERSON, '--from', 'broken', '--to', 'correct', '--max-states', '5', '--quiet');
    expect(r.code).toBe(1);
    expect(r.out).toContain('2. correct holds exhaustively: NO -- no: the search stopped (max-states) after');
  });

  it('--markdown: the table and two Mermaid diagrams, ready to paste', async () => {
    const r = await kmc('prove', ABBA, '--from', 'abba', '--to', 'ordered', '--markdown');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('### kmc prove `abba`: `abba` → `ordered`');
    expect(r.out.match(/^```mermaid$/gm)).toHaveLength(2);
    expect(r.out.trimEnd().split('\n').at(-1)).toBe(`<sub>Checked with kmc prove ${ABBA} --from abba --to ordered</sub>`);
    expect(r.err).toBe('');
  });

  it('bad usage exits 2', async () => {
    expect((await kmc('prove', ABBA, '--from', 'abba')).code).toBe(2);
    const r = await kmc('prove', ABBA, '--from', 'abba', '--to', 'fixed');
    expect(r.code).toBe(2);
    expect(r.err).toBe("kmc: model abba has no variant 'fixed'; its variants are: abba, ordered");
    expect((await kmc('prove', ABBA, '--from', 'abba', '--to', 'abba')).err).toBe("kmc: kmc prove: --from and --to name the same variant 'abba'");
  });
});
