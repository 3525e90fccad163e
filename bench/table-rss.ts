// What the shared table really holds in memory, against what it reports (bench/README.md,
// "The shared table's memory (session 8)"). One table in this thread is grown through a run's
// levels as the level search grows it (at each level end `prepare(size * K, 2 * size)`), with
// distinct new states of the given sizes; then the kernel's count of the table's resident pages
// (the mapping of its buffer in /proc/self/smaps) is printed beside the table's own bytes(), which
// is what `stats.bytesPerState` counts. ROOT is a checkout with its own dist/ (an older commit:
// `git archive <commit> | tar -x -C DIR`, node_modules linked, `npx tsc -p tsconfig.json`).
//
//   node dist/bench/table-rss.js ROOT K SIZES     # SIZES: the new states of each level, comma-separated
//
// Not a section of `npm run bench`: it compares builds. Linux only (smaps).

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Table {
  offer(state: Int32Array, hi: number, lo: number, edge: number, halted: boolean): void;
  beginLevel(level: number): void;
  finishLevel(): boolean;
  prepare(maxNew: number, expected: number): void;
  bytes(): number;
  readonly size: number;
}

/**
 * Resident kilobytes of the growable buffer's memory: V8 reserves its maximum length and makes
 * the part in use readable and writable, a mapping of its own of `length` bytes (rounded up to
 * a page) in /proc/self/smaps.
 */
function residentOf(length: number): number {
  const lines = readFileSync('/proc/self/smaps', 'utf8').split('\n');
  const want = Math.ceil(length / 4096) * 4;
  const found: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^[0-9a-f]+-[0-9a-f]+ rw-p 00000000 00:00 0\s*$/.test(lines[i]!)) continue;
    if (Number(/^Size:\s+(\d+) kB/.exec(lines[i + 1] ?? '')?.[1]) !== want) continue;
    const rss = /^Rss:\s+(\d+) kB/.exec(lines.slice(i + 2, i + 5).find((l) => l.startsWith('Rss:')) ?? '');
    if (rss) found.push(Number(rss[1]));
  }
  if (found.length !== 1) throw new Error(`${found.length} anonymous mappings of ${want} kB in /proc/self/smaps, not one`);
  return found[0]!;
}

/** The process's resident anonymous memory, kB. */
const rssAnon = (): number => Number(/RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);

const [rootArg, kArg, sizesArg] = process.argv.slice(2);
if (!rootArg || !kArg || !sizesArg) throw new Error('usage: node dist/bench/table-rss.js ROOT K SIZES');
const root = resolve(rootArg);
const K = Number(kArg);
const sizes = sizesArg.split(',').filter((s) => s !== '').map(Number);
const at = (p: string) => pathToFileURL(`${root}/dist/src/parallel/${p}`).href;
const { sharedTable, SharedTableDedup } = (await import(at('shared-table.js'))) as {
  sharedTable(slots: number): SharedArrayBuffer;
  SharedTableDedup: new (buf: SharedArrayBuffer, control: unknown, sink: { added(): void }) => Table;
};
const { Control } = (await import(at('control.js'))) as { Control: { allocate(n: number): { control: SharedArrayBuffer; board: SharedArrayBuffer } } & (new (c: SharedArrayBuffer, b: SharedArrayBuffer, n: number) => unknown) };

const anonBefore = rssAnon();
const { control: c, board } = Control.allocate(1);
const control = new Control(c, board, 1);
// The CLI's default table (pool.ts: tableSlots 1 << 16).
const buf = sharedTable(1 << 16) as SharedArrayBuffer & { maxByteLength: number };
const table = new SharedTableDedup(buf, control, { added: () => {} });
const state = new Int32Array(1);
let n = 0;
let before = 0;
for (let level = 0; level < sizes.length; level++) {
  if (level > 0) table.prepare(before * K, 2 * before);
  table.beginLevel(level);
  for (let k = 0; k < sizes[level]!; k++, n++) {
    state[0] = n;
    table.offer(state, Math.imul(n, 0x85ebca6b) >>> 0, Math.imul(n ^ 0x5bd1e995, 0xc2b2ae35) >>> 0, k, false);
  }
  if (!table.finishLevel()) throw new Error(`level ${level} did not settle`);
  before = sizes[level]!;
}
const anon = rssAnon() - anonBefore;
const rssKb = residentOf(buf.byteLength);
const f = (b: number) => (b / n).toFixed(1);
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
console.log(
  `${root}: ${n} states, ${sizes.length} levels, K ${K}: table.bytes() ${mib(table.bytes())} MiB = ${f(table.bytes())} bytes/state; ` +
    `buffer resident ${mib(rssKb * 1024)} MiB = ${f(rssKb * 1024)} bytes/state (of ${mib(buf.byteLength)} MiB in use); process anonymous memory +${mib(anon * 1024)} MiB`,
);
