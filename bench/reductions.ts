// State-space reductions, measured: for kvm-hotplug at CPUs 2..5 x creators 1..3 (with the
// suspend cycle, its default, where only the creators are interchangeable, and without it,
// where the CPUs other than the hotplugged one are too) and for the other bundled models at
// growing sizes: distinct states and time with no reduction, partial-order reduction (POR),
// symmetry, and both, and the ratios to the unreduced search. Every run checks all of the
// model's properties (what `kmc check` does), and the verdicts must agree (else the bench
// stops: a reduction that changes a verdict is a bug, not a data point).
//
// `npm run bench -- reductions`; KMC_BENCH_MAX_TIME (seconds, default 120) bounds each run: a
// run cut by it is shown as such, without a ratio, and the sizes after it in the same series are
// skipped. The kvm-hotplug series go up to cpus=3 by default (a few minutes in all); up to
// cpus=5 with KMC_BENCH_FULL=1 (an hour or more: cpus=5 creators=1 alone is 2 M states, 66 s
// unreduced and cut at 120 s with POR at load 4-15). The machine has 2 noisy cores: times are
// rough; states are exact.

import { bundled } from '../models/index.js';
import { check, type CheckOptions } from '../src/engine/check.js';
import type { CheckResult } from '../src/engine/result.js';
import { renderTable } from '../src/report/text.js';
import { thousands } from '../src/util/format.js';
import { byLength } from './long.js';

type Mode = 'none' | 'por' | 'sym' | 'both' | 'kmc';
// POR is kept on even where it reduces hardly anything, so that the table shows what it
// achieves; `kmc check` (the last column, its defaults: POR and symmetry) gives up on it after
// 20,000 states when fewer than 2% of them had a smaller set (src/engine/reduction/run.ts).
const MODES: Record<Mode, CheckOptions> = {
  none: {},
  por: { por: true, porSeed: { keep: true } },
  sym: { symmetry: true },
  both: { por: true, symmetry: true, porSeed: { keep: true } },
  kmc: { por: true, symmetry: true },
};

export interface Size {
  model: string;
  variant?: string;
  label: string;
  params: Record<string, number | boolean>;
  property?: string[];
}

export interface Cell {
  states: number;
  timeMs: number;
  complete: boolean;
  verdict: string;
}

export interface Row {
  size: Size;
  cells: Partial<Record<Mode, Cell>>;
}

const verdictOf = (r: CheckResult): string =>
  r.status === 'error' ? `error: ${r.message}` : r.properties.map((p) => `${p.name}:${p.status === 'unknown' ? '?' : p.status}`).join(' ');

function runOne(size: Size, mode: Mode, maxTimeMs: number): Cell {
  const entry = bundled.find((e) => e.model.name === size.model);
  if (!entry) throw new Error(`bench: no bundled model ${size.model}`);
  const r = check(entry.model, entry.properties, { variant: size.variant, params: size.params, property: size.property, maxTimeMs, ...MODES[mode] });
  if (r.status === 'error') throw new Error(`bench: ${size.model} ${size.label} ${mode}: ${r.message}`);
  const complete = r.status === 'verified' || (r.status === 'violated' && r.complete);
  return { states: r.stats.states, timeMs: r.stats.timeMs, complete, verdict: verdictOf(r) };
}

/** Run the sizes in order, all modes each; a series stops at its first size cut by the time bound. */
export function benchSizes(sizes: Size[], o: { maxTimeMs: number; log: (s: string) => void; modes?: Mode[] }): Row[] {
  const rows: Row[] = [];
  const modes = o.modes ?? (['none', 'por', 'sym', 'both', 'kmc'] as Mode[]);
  for (const size of sizes) {
    const row: Row = { size, cells: {} };
    let cut = false;
    for (const mode of modes) {
      const cell = runOne(size, mode, o.maxTimeMs);
      row.cells[mode] = cell;
      if (!cell.complete) cut = true;
      o.log(`  ${size.model} ${size.label} ${mode}: ${thousands(cell.states)} states, ${(cell.timeMs / 1000).toFixed(1)} s${cell.complete ? '' : ' (cut by the time bound)'}`);
    }
    const complete = modes.map((m) => row.cells[m]!).filter((c) => c.complete);
    if (complete.some((c) => c.verdict !== complete[0]!.verdict))
      throw new Error(`bench: ${size.model} ${size.label}: the reductions changed a verdict:\n${modes.map((m) => `${m}: ${row.cells[m]!.verdict}`).join('\n')}`);
    rows.push(row);
    if (cut && row.cells.none && !row.cells.none.complete) break;
  }
  return rows;
}

const ratio = (a: Cell | undefined, b: Cell | undefined, f: (c: Cell) => number) =>
  a && b && a.complete && b.complete && f(b) > 0 ? `${(f(a) / f(b)).toFixed(1)}×` : '-';
const statesOf = (c: Cell | undefined) => (c ? `${thousands(c.states)}${c.complete ? '' : '+'}` : '-');
const timeOf = (c: Cell | undefined) => (c ? `${(c.timeMs / 1000).toFixed(1)}${c.complete ? '' : '+'}` : '-');

export const HEADER = [
  'model',
  'size',
  'states none',
  'POR',
  'sym',
  'both',
  'states ratio POR / sym / both',
  'time s none / POR / sym / both / kmc',
  'time ratio both / kmc',
];

export function tableRows(rows: Row[]): string[][] {
  return rows.map(({ size, cells: c }) => [
    size.model,
    size.label,
    statesOf(c.none),
    statesOf(c.por),
    statesOf(c.sym),
    statesOf(c.both),
    `${ratio(c.none, c.por, (x) => x.states)} / ${ratio(c.none, c.sym, (x) => x.states)} / ${ratio(c.none, c.both, (x) => x.states)}`,
    `${timeOf(c.none)} / ${timeOf(c.por)} / ${timeOf(c.sym)} / ${timeOf(c.both)} / ${timeOf(c.kmc)}`,
    `${ratio(c.none, c.both, (x) => x.timeMs)} / ${ratio(c.none, c.kmc, (x) => x.timeMs)}`,
  ]);
}

export function markdown(rows: Row[]): string {
  const lines = [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`];
  for (const r of tableRows(rows)) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

/** The largest CPU count of the kvm-hotplug series: 3 by default (up to 601,964 states a run), 5 under KMC_BENCH_FULL=1 (an hour or more). */
export const KVM_MAX_CPUS = byLength(3, 5);

export function kvmSizes(suspend: boolean, maxCpus = 5): Size[] {
  const out: Size[] = [];
  for (const creators of [1, 2, 3])
    for (let cpus = 2; cpus <= maxCpus; cpus++)
      out.push({ model: 'kvm-hotplug', label: `cpus=${cpus} creators=${creators}${suspend ? '' : ' suspend=false'}`, params: { cpus, creators, suspend } });
  return out;
}

export const OTHER_SIZES: Size[] = [
  { model: 'xen-remove-from-physmap', label: 'hypercalls=2', params: { hypercalls: 2 } },
  { model: 'xen-remove-from-physmap', label: 'hypercalls=3', params: { hypercalls: 3 } },
  { model: 'xen-remove-from-physmap', label: 'hypercalls=3 rounds=2', params: { hypercalls: 3, rounds: 2 } },
  { model: 'pm-freeze', label: 'defaults', params: {} },
  { model: 'pm-freeze', label: 'submitters=2', params: { submitters: 2 } },
  { model: 'kvm-intx-mask', label: 'irqs=1', params: { irqs: 1 } },
  { model: 'kvm-intx-mask', label: 'irqs=2 (defaults)', params: { irqs: 2 } },
  { model: 'sched-delayed-dequeue', label: 'vcpus=2 halts=1 interrupts=1', params: { vcpus: 2, halts: 1, interrupts: 1 } },
  { model: 'sched-delayed-dequeue', label: 'vcpus=3 halts=1 interrupts=2', params: { vcpus: 3, halts: 1, interrupts: 2 } },
];

/**
 * The other models' sizes of the default run: all but sched-delayed-dequeue's larger one (the
 * model grew: vcpus=2 halts=1 interrupts=1 was 7,478 states and is 625,769 in session 9, 18-43 s
 * a mode at load 12-23; vcpus=3 halts=1 interrupts=2 was 1.7 M and runs into the time bound).
 */
export const OTHER_SIZES_DEFAULT: Size[] = OTHER_SIZES.filter((s) => !(s.model === 'sched-delayed-dequeue' && s.params.vcpus === 3));

/** kvm-hotplug with only deadlock checked: what POR does when no invariant makes steps visible. */
export const KVM_DEADLOCK_ONLY: Size[] = [3, 4, 5].map((cpus) => ({
  model: 'kvm-hotplug',
  label: `cpus=${cpus} creators=2, --property deadlock`,
  params: { cpus, creators: 2 },
  property: ['deadlock'],
}));

export function benchReductions(o: { maxTimeMs?: number; log?: (s: string) => void; only?: 'kvm' | 'others' } = {}): Row[] {
  const log = o.log ?? ((s: string) => console.log(s));
  const maxTimeMs = o.maxTimeMs ?? Number(process.env.KMC_BENCH_MAX_TIME ?? 120) * 1000;
  const rows: Row[] = [];
  const series: Size[][] = [];
  if (o.only !== 'others') {
    // Each creators value is a series over cpus (it stops when the unreduced run is cut).
    for (const suspend of [true, false]) {
      const sizes = kvmSizes(suspend, KVM_MAX_CPUS);
      for (const creators of [1, 2, 3]) series.push(sizes.filter((s) => s.params.creators === creators));
    }
    series.push(KVM_DEADLOCK_ONLY.filter((s) => (s.params.cpus as number) <= KVM_MAX_CPUS));
  }
  const others = byLength(OTHER_SIZES_DEFAULT, OTHER_SIZES);
  if (o.only !== 'kvm') for (const m of new Set(others.map((s) => s.model))) series.push(others.filter((s) => s.model === m));
  for (const s of series) rows.push(...benchSizes(s, { maxTimeMs, log }));
  log('');
  log(renderTable(HEADER, tableRows(rows), [24, 34, 12, 12, 12, 12, 20, 30, 12]));
  log('');
  log(markdown(rows));
  return rows;
}

export const section = {
  name: 'reductions',
  doc: `distinct states and time without reductions, with POR, with symmetry and with both (kvm-hotplug at CPUs 2..${KVM_MAX_CPUS} x creators 1..3, other models at growing sizes)`,
  run: () => void benchReductions(),
};
