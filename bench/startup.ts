// `npm run bench -- startup`: how long kmc takes to start. Each command runs as a user runs it
// (`node bin/kmc.js …`, a process of its own: the supervisor, the command thread, the pool's
// worker threads), several times, interleaved; medians of wall time and of CPU time (user+system
// of the child, from /proc/self/stat's children fields, so Linux only: elsewhere wall only).
// CPU time is what to compare on a loaded machine; wall time is what the user waits.
//
// "first state" is `kmc check MODEL --max-states 1`: start, compile, the initial state stored
// (on the command thread: a one-worker plan within src/cli/run-check.ts's ON_THREAD_STATES starts
// no pool), then the report and exit. Nothing in it is spent searching, so it bounds from above
// the time to the first state. "every variant" is `kmc check --all MODEL`, its runs side by side.
//
// "user model" rows check a kernel developer's own model file (bench/user-project.ts: kmc init's
// example, a .ts model importing kernel-model-checker, with its waker in a relative helper) in a project made for the bench
// whose node_modules/kernel-model-checker is the checkout measured: through the compiled-model
// cache (src/util/model-cache.ts) warmed by a first run ("cache hit"), with a fresh empty cache
// every run ("cache miss": the bundle built and written), and with KMC_NO_MODEL_CACHE=1 (tsx, as
// before the cache); the first state, and the whole run (12 states) with --workers 1 (on the
// command thread) and --workers 2 (a pool of two workers, each importing the model).
//
// "reduced check" is bench/spin's system at cpus=4 creators=4 with --por, the command whose
// search clock bench/spin compares with SPIN's POR run: here the whole process is timed (node's
// start, loading kmc and the model, compiling it, the cold reduced search, the report).
// KMC_BENCH_SPLIT=1 runs it once more under `node --cpu-prof` and splits each thread's samples by
// phase (profileSplit below), so what the command spends outside the search clock is named.
//
// KMC_BENCH_CALLGRIND=1 also counts the instructions of one run of each command under valgrind
// (callgrind, every thread): a figure the machine's load does not move, to compare builds on a
// busy machine. KMC_BENCH_ROUNDS (default 7), KMC_BENCH_MODEL (default xen-remove-from-physmap, a small bundled
// model) and KMC_BENCH_KMC (another checkout's bin/kmc.js, to compare before and after) change it.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeUserProject } from './user-project.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TICK_S = 0.01; // USER_HZ on Linux

/** CPU seconds (user+system) of this process's waited-for children so far, or undefined off Linux. */
function childrenCpu(): number | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  // Fields after the command name (which may contain spaces): cutime and cstime are the 16th and 17th.
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[13]) + Number(rest[14])) * TICK_S;
}

interface Sample {
  wall: number;
  cpu: number | undefined;
}

interface Case {
  name: string;
  args: string[];
  /** Exit codes the command gives when it works (3: a check stopped by --max-states). */
  ok: number[];
  /** Where it runs (default: this process's folder). */
  cwd?: string;
  /** Environment variables set for each run (made afresh for each). */
  env?: () => Record<string, string>;
  /** Environment variables removed for each run. */
  unset?: string[];
}

function spawnOptions(c: Case): { cwd: string | undefined; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = { ...process.env, ...c.env?.() };
  for (const name of c.unset ?? []) delete env[name];
  return { cwd: c.cwd, env };
}

/** A kernel developer's project for the "user model" rows (bench/user-project.ts), its package the checkout of `kmc`. */
function userProject(kmc: string): string {
  return makeUserProject(ROOT, mkdtempSync(join(tmpdir(), 'kmc-startup-user-')), dirname(dirname(kmc))).dir;
}

function runOnce(c: Case, kmc: string): Sample {
  const cpu0 = childrenCpu();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...(kmc === '' ? [] : [kmc]), ...c.args], { ...spawnOptions(c), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = childrenCpu();
  if (r.status === null || !c.ok.includes(r.status)) throw new Error(`${c.name}: exit ${r.status ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return { wall, cpu: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 };
}

/**
 * Instructions executed by one run of `args` (valgrind --tool=callgrind, every thread), which the
 * machine's load does not move: the supervisor (main) thread, the command thread and V8's helper
 * threads separately. Undefined when valgrind is not installed.
 */
function instructions(c: Case, kmc: string): { total: number; threads: number[] } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'kmc-startup-'));
  try {
    const r = spawnSync('valgrind', ['--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${join(dir, 'cg.%p')}`, process.execPath, ...(kmc === '' ? [] : [kmc]), ...c.args], { ...spawnOptions(c), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) return undefined;
    const threads = readdirSync(dir)
      .sort((a, b) => Number(a.split('-').at(-1)) - Number(b.split('-').at(-1)))
      .map((f) => Number(/^summary: (\d+)/m.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? 0));
    return { total: threads.reduce((a, b) => a + b, 0), threads };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** bench/spin's system (the checkout measured: its dist/) at cpus=4 creators=4, checked as bench/spin's `kmc --por` row checks it. */
function reducedCheck(kmc: string): Case {
  const system = join(dirname(dirname(kmc)), 'dist', 'bench', 'spin', 'lock-hotplug.js');
  const args = ['check', system, '--param', 'cpus=4', '--param', 'creators=4', '--property', 'inconsistent', '--property', 'deadlock', '--json', '--quiet', '--no-traces', '--por'];
  return { name: 'reduced check (bench/spin, cpus=4 creators=4, --por)', args, ok: [0] };
}

/** The phases a thread's CPU profile is split into: the first whose test some frame of a sample's stack passes (leaf first). */
const PHASES: [string, (f: { functionName: string; url: string }) => boolean][] = [
  ['reduced search: the unreduced learning prefix', (f) => f.functionName === 'learn' && f.url.endsWith('/reduction/run.js')],
  ['reduced search: the reduced pass(es)', (f) => f.functionName === 'searchWithReductions'],
  ['compiling the model', (f) => f.functionName === 'compileModel'],
  ['the report', (f) => f.url.includes('/dist/src/report/')],
  ['loading modules (resolve, read, compile, link, evaluate)', (f) => f.url.startsWith('node:internal/modules/') || f.functionName === 'compileSourceTextModule'],
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/**
 * Each thread's samples of one `node --cpu-prof` run of `c`, in milliseconds by phase (PHASES;
 * V8's own entries as they come: the garbage collector, "(program)": native code such as
 * compilation and bootstrapping, "(idle)"; the rest "other": node's bootstrap, kmc's own
 * start, planning, the determinism probe).
 */
function profileSplit(c: Case, kmc: string): Map<string, number>[] {
  const dir = mkdtempSync(join(tmpdir(), 'kmc-startup-prof-'));
  try {
    const r = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval', '100', kmc, ...c.args], { ...spawnOptions(c), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status === null || !c.ok.includes(r.status)) throw new Error(`${c.name} under --cpu-prof: exit ${r.status ?? r.signal}`);
    return readdirSync(dir)
      .sort()
      .map((f) => {
        const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
        const byId = new Map(p.nodes.map((n) => [n.id, n]));
        const parent = new Map<number, number>();
        for (const n of p.nodes) for (const ch of n.children ?? []) parent.set(ch, n.id);
        const phase = new Map<number, string>();
        const phaseOf = (id: number): string => {
          let ph = phase.get(id);
          if (ph !== undefined) return ph;
          const leaf = byId.get(id)!.callFrame.functionName;
          if (leaf.startsWith('(')) ph = leaf;
          else
            for (let at: number | undefined = id; at !== undefined && ph === undefined; at = parent.get(at)) {
              const frame = byId.get(at)!.callFrame;
              ph = PHASES.find(([, test]) => test(frame))?.[0];
            }
          ph ??= 'other';
          // In the search, also by whose code ran (the leaf frame), whatever tier V8 ran it in.
          if (ph.startsWith('reduced search')) {
            const url = byId.get(id)!.callFrame.url;
            ph += url.includes('/src/engine/reduction/') ? ', partial-order reduction and symmetry' : url.includes('/src/engine/') || url.includes('/src/util/') ? ', search core' : leaf.startsWith('(') ? '' : ', the model (compiled steps, the model file)';
          }
          phase.set(id, ph);
          return ph;
        };
        const ms = new Map<string, number>();
        // timeDeltas[i] is the time before sample i: sample i lasted until the next one.
        for (let i = 0; i + 1 < p.samples.length; i++) {
          const ph = phaseOf(p.samples[i]!);
          ms.set(ph, (ms.get(ph) ?? 0) + p.timeDeltas[i + 1]! / 1000);
        }
        return ms;
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function benchStartup(rounds = Number(process.env.KMC_BENCH_ROUNDS ?? 7), model = process.env.KMC_BENCH_MODEL ?? 'xen-remove-from-physmap'): void {
  const kmc = process.env.KMC_BENCH_KMC ?? join(ROOT, 'bin', 'kmc.js');
  const cases: Case[] = [
    { name: 'node -e 0 (Node itself)', args: ['-e', '0'], ok: [0] },
    { name: 'kmc --help', args: ['--help'], ok: [0] },
    { name: `kmc list ${model}`, args: ['list', model], ok: [0] },
    { name: `kmc check ${model} --max-states 1 (first state)`, args: ['check', model, '--quiet', '--no-traces', '--max-states', '1'], ok: [3] },
    { name: `kmc check ${model} (whole run)`, args: ['check', model, '--quiet', '--no-traces'], ok: [0, 1] },
    // Every variant of the model: the runs of check --all side by side (src/cli/run-all.ts).
    { name: `kmc check --all ${model} (every variant)`, args: ['check', '--all', model, '--quiet', '--no-traces'], ok: [0, 1] },
    reducedCheck(kmc),
  ];
  // Node reads NODE_EXTRA_CA_CERTS's file at every start, before any script (some sandboxes and
  // CI images set it: about 0.04 s a start on the 2-core machine of bench/README): where it is set,
  // Node's start and the first state are also timed without it, as most users run.
  if (process.env.NODE_EXTRA_CA_CERTS !== undefined) {
    const unset = ['NODE_EXTRA_CA_CERTS'];
    cases.splice(1, 0, { name: 'node -e 0, NODE_EXTRA_CA_CERTS unset', args: ['-e', '0'], ok: [0], unset });
    cases.splice(5, 0, { ...cases[4]!, name: `${cases[4]!.name}, NODE_EXTRA_CA_CERTS unset`, unset });
  }
  // The first state again without the bundles (dist/bundle, src/util/bundle.ts): kmc's modules
  // loaded one by one, as before them.
  const first = cases.findLast((c) => c.name.includes('(first state)'))!;
  cases.splice(cases.indexOf(first) + 1, 0, { ...first, name: `${first.name}, KMC_NO_BUNDLE=1`, env: () => ({ KMC_NO_BUNDLE: '1' }) });
  // A user's model file, through the cache (hit, miss) and through tsx.
  const user = userProject(kmc);
  const warm = join(user, 'cache');
  const fresh: string[] = [];
  const ways: [string, () => Record<string, string>][] = [
    ['cache hit', () => ({ KMC_CACHE_DIR: warm })],
    ['cache miss', () => ({ KMC_CACHE_DIR: fresh[fresh.push(mkdtempSync(join(user, 'miss-'))) - 1]! })],
    ['tsx, no cache', () => ({ KMC_NO_MODEL_CACHE: '1' })],
  ];
  const userRun = ['check', 'models/race.ts', '--variant', 'buggy', '--quiet', '--no-traces'];
  for (const [way, env] of ways) cases.push({ name: `user model, first state (--max-states 1), ${way}`, args: [...userRun, '--max-states', '1'], ok: [3], cwd: user, env });
  for (const workers of ['1', '2'])
    for (const [way, env] of ways) cases.push({ name: `user model, whole run --workers ${workers}, ${way}`, args: [...userRun, '--workers', workers], ok: [1], cwd: user, env });
  runOnce({ name: 'warming the cache', args: userRun, ok: [1], cwd: user, env: () => ({ KMC_CACHE_DIR: warm }) }, kmc);
  const caCerts = process.env.NODE_EXTRA_CA_CERTS === undefined ? '' : `; NODE_EXTRA_CA_CERTS is set (${process.env.NODE_EXTRA_CA_CERTS}): rows say where it is unset`;
  console.log(`${kmc}; ${rounds} rounds, interleaved; load average ${loadavg()[0]!.toFixed(2)} before${caCerts}`);
  const samples = cases.map(() => [] as Sample[]);
  for (let round = 0; round < rounds; round++) cases.forEach((c, i) => samples[i]!.push(runOnce(c, c.args[0] === '-e' ? '' : kmc)));
  console.log(`load average ${loadavg()[0]!.toFixed(2)} after`);
  console.log('| command | wall (median) | wall (best) | CPU user+sys (median) |');
  console.log('|---|---:|---:|---:|');
  cases.forEach((c, i) => {
    const s = samples[i]!;
    const cpus = s.map((x) => x.cpu).filter((x): x is number => x !== undefined);
    const cpu = cpus.length === s.length ? `${median(cpus).toFixed(2)} s` : 'n/a';
    console.log(`| ${c.name} | ${median(s.map((x) => x.wall)).toFixed(2)} s | ${Math.min(...s.map((x) => x.wall)).toFixed(2)} s | ${cpu} |`);
  });
  if (process.env.KMC_BENCH_SPLIT === '1') {
    // Sampled times are inflated by the profiler (every 0.1 ms): read them as shares.
    const c = reducedCheck(kmc);
    profileSplit(c, kmc).forEach((ms, i) => {
      const total = [...ms.values()].reduce((a, b) => a + b, 0);
      console.log(`\n${c.name}, thread ${i + 1} (profile order: the supervisor first, then the command thread), ${total.toFixed(0)} ms sampled:`);
      for (const [ph, t] of [...ms].sort((a, b) => b[1] - a[1])) console.log(`  ${t.toFixed(1).padStart(7)} ms  ${((100 * t) / total).toFixed(0).padStart(3)}%  ${ph}`);
    });
  }
  if (process.env.KMC_BENCH_CALLGRIND !== '1') return rmSync(user, { recursive: true, force: true });
  // Threads in the order they started: the main thread (kmc's supervisor) first; the command
  // thread is the last one of a kmc run that ran JavaScript (V8's helper threads come between).
  console.log('\n| command (one run under valgrind --tool=callgrind) | instructions, every thread | per thread above 1 M (in start order) |');
  console.log('|---|---:|---|');
  for (const c of cases) {
    const n = instructions(c, c.args[0] === '-e' ? '' : kmc);
    if (!n) {
      console.log('(valgrind is not installed: no instruction counts)');
      break;
    }
    const g = (x: number) => `${(x / 1e9).toFixed(3)} G`;
    console.log(`| ${c.name} | ${g(n.total)} | ${n.threads.filter((x) => x > 1e6).map((x) => `${Math.round(x / 1e6)} M`).join(', ')} |`);
  }
  rmSync(user, { recursive: true, force: true });
}

export const section = {
  name: 'startup',
  doc: 'start-up time of the kmc command (a process per run: wall and CPU medians)',
  run: () => benchStartup(),
};
