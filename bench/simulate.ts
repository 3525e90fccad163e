// Random search: how many runs each sampler needs to hit each seeded bug. For every bundled
// model × variant whose exhaustive check finds a violation at default parameters, and each
// violated property, both samplers run from several seeds until the first run that breaks that
// property: fast-check schedules (src/random/schedule.ts) and uniform random choice among the
// enabled steps. The table gives the median runs to the first hit and how many seeds hit at all.

import { bundled } from '../models/index.js';
import { check } from '../src/engine/check.js';
import { compileModel } from '../src/model/compile.js';
import { scheduleRunsToViolation, uniformRunsToViolation } from '../src/random/simulate.js';
import { renderTable } from '../src/report/text.js';
import { byLength } from './long.js';

/** Three seeds by default (the section took 337 s with five at load 5-17); five under KMC_BENCH_FULL=1. */
const SEEDS = byLength([1, 2, 3], [1, 2, 3, 4, 5]);
const RUNS = 2000;
const DEPTH = 300;

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export function benchSimulate(log: (s: string) => void = console.log): void {
  const rows: string[][] = [];
  for (const entry of bundled) {
    for (const variant of Object.keys(entry.model.variants)) {
      const r = check(entry.model, entry.properties, { variant, maxTimeMs: 60_000 });
      if (r.status !== 'violated') continue;
      const model = compileModel(entry.model, { variant });
      const all = entry.properties.properties;
      for (const v of r.violations) {
        const selected = all.filter((p) => p.name === v.property);
        const sched: number[] = [];
        const uni: number[] = [];
        for (const seed of SEEDS) {
          const a = scheduleRunsToViolation(model, all, selected, { runs: RUNS, seed, depth: DEPTH });
          if (a !== undefined) sched.push(a);
          const b = uniformRunsToViolation(model, all, selected, { runs: RUNS, seed, depth: DEPTH });
          if (b !== undefined) uni.push(b);
        }
        const fmt = (xs: number[]) => `${median(xs) ?? '-'} (${xs.length}/${SEEDS.length})`;
        rows.push([entry.model.name, variant, v.property, String(v.path.length), fmt(sched), fmt(uni)]);
        log(`  ${entry.model.name} ${variant} ${v.property}: schedules ${fmt(sched)}, uniform ${fmt(uni)}`);
      }
    }
  }
  log(
    renderTable(
      ['model', 'variant', 'property', 'shortest', `fast-check schedules: median runs (seeds hit)`, 'uniform random: median runs (seeds hit)'],
      rows,
      [24, 16, 30, 8, 20, 20],
    ),
  );
  log(`(runs of at most ${DEPTH} steps, at most ${RUNS} runs per seed, seeds ${SEEDS.join(', ')})`);
}

export const section = {
  name: 'simulate',
  doc: 'random search: runs to the first hit of each seeded bug, fast-check schedules vs uniform random choice',
  run: () => benchSimulate(),
};
