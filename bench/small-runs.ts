// Small runs and `kmc check --all`, measured against other builds (bench/README.md, "Small runs,
// kmc check --all and bytes per state"). Each ROOT is a checkout with its own dist/ (an older
// commit: `git archive <commit> | tar -x -C DIR`, node_modules linked, `npx tsc -p tsconfig.json`);
// the builds are imported into this one process, so their rounds can be interleaved and the
// machine's load falls on all of them alike (CPU time, process.cpuUsage).
//
//   node dist/bench/small-runs.js variants 5 ROOT...   # every kvm-hotplug variant, check() at its defaults, 5 rounds a build, interleaved
//   node dist/bench/small-runs.js all ROOT             # kmc check --all's parts in one thread: compile, determinism probe, safety search, liveness
//   node dist/bench/small-runs.js results ROOT OUT     # every bundled run's check() with symmetry (as the CLI), timings stripped, as JSON (diff two builds)
//
// Not a section of `npm run bench`: it compares builds.

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Entry {
  model: { name: string; variants: Record<string, unknown> };
  properties: unknown;
}
interface Result {
  status: string;
  stats: { states: number };
  liveness?: { states: number };
}
interface Plan {
  model: unknown;
  selected: { name: string; kind: string }[];
}
interface Build {
  root: string;
  bundled: Entry[];
  check(def: unknown, props: unknown, o: object): Result;
  compileModel(def: unknown, o: object): unknown;
  planCheck(def: unknown, props: unknown, o: object): Plan;
  checkPlan(plan: Plan, o: object): Result;
  checkDeterminism(model: unknown): void;
}

async function load(root: string): Promise<Build> {
  const url = (p: string) => pathToFileURL(resolve(root, 'dist', p)).href;
  const [models, check, compile, plan, det] = await Promise.all([
    import(url('models/index.js')),
    import(url('src/engine/check.js')),
    import(url('src/model/compile.js')),
    import(url('src/engine/plan.js')),
    import(url('src/cli/determinism.js')),
  ]);
  return { root, bundled: models.bundled, check: check.check, checkPlan: check.checkPlan, compileModel: compile.compileModel, planCheck: plan.planCheck, checkDeterminism: det.checkDeterminism };
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Every kvm-hotplug variant at its defaults, one round per build in turn; and compileModel alone. */
function variants(builds: Build[], rounds: number): void {
  const rows = builds.map(() => ({ checks: [] as number[], compiles: [] as number[], states: 0 }));
  for (let r = 0; r < rounds; r++)
    builds.forEach((b, i) => {
      const e = b.bundled.find((x) => x.model.name === 'kvm-hotplug')!;
      const names = Object.keys(e.model.variants);
      let t = process.cpuUsage();
      let states = 0;
      for (const variant of names) states += b.check(e.model, e.properties, { variant }).stats.states;
      rows[i]!.checks.push(cpuMs(t));
      t = process.cpuUsage();
      for (const variant of names) b.compileModel(e.model, { variant });
      rows[i]!.compiles.push(cpuMs(t));
      rows[i]!.states = states;
    });
  const base = median(rows[0]!.checks);
  builds.forEach((b, i) => {
    const row = rows[i]!;
    console.log(
      `${b.root}: ${row.states} states; checks ${row.checks.map((x) => x.toFixed(0)).join(', ')} ms CPU, median ${median(row.checks).toFixed(0)} (${(base / median(row.checks)).toFixed(3)}× the first build's speed); compileModel of every variant ${median(row.compiles).toFixed(0)} ms (median)`,
    );
  });
}

/** kmc check --all's parts, in one thread: compile, the CLI's determinism probe, the safety search alone, then the whole check. */
function all(b: Build): void {
  const totals = { compile: 0, determinism: 0, safety: 0, whole: 0 };
  for (const e of b.bundled)
    for (const variant of Object.keys(e.model.variants)) {
      let t = process.cpuUsage();
      const plan = b.planCheck(e.model, e.properties, { variant, params: {} });
      totals.compile += cpuMs(t);
      t = process.cpuUsage();
      b.checkDeterminism(plan.model);
      totals.determinism += cpuMs(t);
      const safety = b.planCheck(e.model, e.properties, { variant, params: {}, property: plan.selected.filter((p) => p.kind !== 'liveness').map((p) => p.name) });
      t = process.cpuUsage();
      const s = b.checkPlan(safety, { symmetry: true });
      totals.safety += cpuMs(t);
      t = process.cpuUsage();
      const w = b.checkPlan(plan, { symmetry: true });
      totals.whole += cpuMs(t);
      console.log(`${e.model.name} ${variant}: ${s.status}/${w.status}, ${s.stats.states} states, liveness graph ${w.liveness?.states ?? '-'}`);
    }
  const ms = (x: number) => `${Math.round(x)} ms`;
  console.log(
    `CPU: compile ${ms(totals.compile)}, determinism probe ${ms(totals.determinism)}, safety searches ${ms(totals.safety)}, liveness (whole checks minus safety) ${ms(totals.whole - totals.safety)}, whole checks ${ms(totals.whole)}`,
  );
}

/** Every bundled run with symmetry on (as the CLI), timings and traces stripped, for diffing two builds. */
function results(b: Build, out: string): void {
  const timing = new Set(['timeMs', 'statesPerSecond', 'peakMemory', 'searchMs', 'analysisMs', 'trace']);
  const runs: Record<string, unknown> = {};
  for (const e of b.bundled)
    for (const variant of Object.keys(e.model.variants)) {
      const r = b.checkPlan(b.planCheck(e.model, e.properties, { variant, params: {} }), { symmetry: true });
      runs[`${e.model.name}/${variant}`] = JSON.parse(JSON.stringify(r, (k, v: unknown) => (timing.has(k) ? undefined : v)));
    }
  writeFileSync(out, JSON.stringify(runs, null, 1));
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'variants') variants(await Promise.all(rest.slice(1).map(load)), Number(rest[0]));
else if (mode === 'all') all(await load(rest[0]!));
else if (mode === 'results') results(await load(rest[0]!), rest[1]!);
else throw new Error('small-runs: variants ROUNDS ROOT... | all ROOT | results ROOT OUT');
