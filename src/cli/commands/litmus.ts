// kmc litmus PATH...: run kmc over C-litmus tests (a kernel tree's tools/memory-model/litmus-tests,
// a directory of .litmus files, or files) under a memory model, and tabulate agreement with the
// herd7 result each file's header states (Result: Never / Sometimes). Tests outside the fragment
// kmc reads (src/kernel/litmus-c.ts) are listed by name with the construct that put them outside.
// The kernel's files are read where they are; nothing of them is copied.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import type { Io } from '../io.js';
import { check } from '../../engine/check.js';
import { parseCLitmus } from '../../kernel/litmus-c.js';
import { litmusModel, litmusProperties } from '../../kernel/litmus.js';
import { MEMORY_MODELS, type MemoryModelName } from '../../kernel/memory.js';
import { UsageError } from '../../util/errors.js';
import { renderTable } from '../../report/text.js';

export interface LitmusRow {
  file: string;
  name: string;
  herd: string;
  kmc: 'allowed' | 'forbidden' | 'unknown' | '';
  /** agree, stronger (kmc forbids what herd7 allows: an approximation's known gap), DISAGREE, or outside: why. */
  verdict: 'agree' | 'stronger' | 'DISAGREE' | 'outside' | 'unknown';
  note: string;
}

/** The .litmus files of a directory, sorted; with `deep`, of its subdirectories too. */
function litmusIn(dir: string, deep: boolean): string[] {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries.flatMap((e) => (e.isFile() && e.name.endsWith('.litmus') ? [join(dir, e.name)] : deep && e.isDirectory() ? litmusIn(join(dir, e.name), true) : []));
}

/**
 * The .litmus files a path names: a file, a directory of them, or a kernel tree (its
 * tools/memory-model/litmus-tests, then Documentation/litmus-tests and its subdirectories).
 */
export function litmusFiles(path: string): string[] {
  if (!existsSync(path)) throw new UsageError(`kmc litmus: ${path} does not exist`);
  if (statSync(path).isFile()) return [path];
  const lkmm = join(path, 'tools', 'memory-model', 'litmus-tests');
  const docs = join(path, 'Documentation', 'litmus-tests');
  const kernel = existsSync(lkmm);
  const files = kernel ? [...litmusIn(lkmm, false), ...(existsSync(docs) ? litmusIn(docs, true) : [])] : litmusIn(path, false);
  if (files.length === 0) throw new UsageError(`kmc litmus: no .litmus files in ${kernel ? lkmm : path}`);
  return files;
}

/** One test: parsed, checked, compared with its header. */
export function runLitmusFile(file: string, memory: MemoryModelName, storeBuffer: number, inOrder = false): LitmusRow {
  const p = parseCLitmus(readFileSync(file, 'utf8'), basename(file, '.litmus'));
  const herd = p.result ?? '(no Result line)';
  if (!p.ok) return { file, name: p.name, herd, kmc: '', verdict: 'outside', note: p.reason };
  if (p.result !== 'Never' && p.result !== 'Sometimes') return { file, name: p.name, herd, kmc: '', verdict: 'outside', note: `header result '${herd}' (only Never and Sometimes are compared)` };
  const r = check(litmusModel(p.test, memory, { inOrder }), litmusProperties(p.test), { params: { storeBuffer } });
  if (r.status === 'error') return { file, name: p.name, herd, kmc: '', verdict: 'outside', note: `kmc error: ${r.message}` };
  if (r.status === 'incomplete')
    return { file, name: p.name, herd, kmc: 'unknown', verdict: 'unknown', note: `search incomplete (${r.stoppedBy}): raise --store-buffer` };
  const kmc = r.status === 'violated' ? 'allowed' : 'forbidden';
  const want = p.result === 'Sometimes' ? 'allowed' : 'forbidden';
  if (kmc === want) return { file, name: p.name, herd, kmc, verdict: 'agree', note: '' };
  if (kmc === 'forbidden') return { file, name: p.name, herd, kmc, verdict: 'stronger', note: `kmc's ${memory} forbids what herd7 allows` };
  return { file, name: p.name, herd, kmc, verdict: 'DISAGREE', note: `kmc's ${memory} allows what herd7 forbids (replay path ${r.status === 'violated' ? r.violations[0]!.path.join('/') : ''})` };
}

export function renderLitmusTable(rows: readonly LitmusRow[], memory: string): string {
  const table = renderTable(
    ['test', 'herd7', `kmc (${memory})`, 'verdict', 'why'],
    rows.map((r) => [r.name, r.herd, r.kmc, r.verdict, r.note]),
    [44, 10, 12, 9, 60],
  );
  const count = (v: LitmusRow['verdict']) => rows.filter((r) => r.verdict === v).length;
  const inside = rows.length - count('outside');
  const summary = [
    `${rows.length} tests: ${inside} in kmc's fragment, ${count('outside')} outside it.`,
    `In the fragment: ${count('agree')} agree with their header, ${count('stronger')} forbidden by kmc's ${memory} where herd7 says Sometimes (kmc's ${memory} is stronger than the kernel's model there), ${count('DISAGREE')} disagree (kmc allows what herd7 says Never)${count('unknown') ? `, ${count('unknown')} unknown (search incomplete)` : ''}.`,
  ];
  return [table, '', ...summary].join('\n');
}

export function registerLitmus(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('litmus')
    .description("run kmc over C-litmus tests (a kernel tree's tools/memory-model/litmus-tests, a directory, or files) and compare with each header's herd7 result; exit 0 when nothing disagrees")
    .argument('<paths...>', 'a kernel source tree, a directory of .litmus files, or .litmus files')
    .option('--memory <model>', `the memory model: ${MEMORY_MODELS.join(', ')}`, 'lkmm')
    .option('--store-buffer <k>', 'store-buffer entries per CPU', '4')
    .option('--in-order', "with --memory lkmm: run each thread's operations in program order, as a model's steps run (the store buffers alone), instead of in any order the kernel's model allows")
    .option('--json', 'machine-readable rows')
    .action((paths: string[], opts: { memory: string; storeBuffer: string; inOrder?: boolean; json?: boolean }) => {
      if (!(MEMORY_MODELS as readonly string[]).includes(opts.memory)) throw new UsageError(`--memory expects ${MEMORY_MODELS.join(', ')}, not '${opts.memory}'`);
      if (!/^\d+$/.test(opts.storeBuffer) || Number(opts.storeBuffer) < 1 || Number(opts.storeBuffer) > 8) throw new UsageError(`--store-buffer expects 1..8, not '${opts.storeBuffer}'`);
      if (opts.inOrder && opts.memory !== 'lkmm') throw new UsageError(`--in-order goes with --memory lkmm (under ${opts.memory} every thread runs in program order already)`);
      const rows = paths.flatMap(litmusFiles).map((f) => runLitmusFile(f, opts.memory as MemoryModelName, Number(opts.storeBuffer), opts.inOrder === true));
      const memory = opts.inOrder ? 'lkmm in order' : opts.memory;
      io.out(opts.json ? JSON.stringify(rows, null, 2) : renderLitmusTable(rows, memory));
      setExit(rows.some((r) => r.verdict === 'DISAGREE') ? 1 : rows.some((r) => r.verdict === 'unknown') ? 3 : 0);
    });
}
