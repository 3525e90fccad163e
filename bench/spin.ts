// kmc against SPIN on the same system: bench/spin/lock-hotplug.ts (a kmc model with thread
// locals) and its Promela transcription (bench/spin/promela.ts), with Debian's `spin` and `gcc`.
// First the exhaustive state counts of both at several sizes, which must be equal (else the bench
// stops: the two would not be doing the same work); then, at one size, back-to-back runs of
//   SPIN exhaustive (-DSAFETY -DNOREDUCE) and kmc exhaustive with 1 and 2 workers: states/s;
//   SPIN's partial-order reduction (-DSAFETY) and kmc's (--por): states stored and time.
// Times are the tools' own search clocks (pan's "elapsed time", kmc's stats.timeMs), medians
// of KMC_SPIN_ROUNDS runs (default 3); compiling pan.c and starting node are not counted. On a
// loaded machine wall times say little (a short pan run and a longer node run lose the CPU in
// different proportions), so the reduced runs are also timed in CPU seconds of each tool's whole
// process (`times` in the shell that ran it): pan's, and the `kmc check --por` run's, Node's
// start-up and kmc's planning and model compile included. (Until session 14 kmc's side was a
// check() in the bench's own process, whose JIT was warm from the runs before it: that
// flattered kmc.)
// `npm run bench -- spin`; KMC_SPIN_SIZE=cpus,creators (default 4,4). Never part of npm test.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check } from '../src/engine/check.js';
import { renderTable } from '../src/report/text.js';
import { thousands } from '../src/util/format.js';
import { lockHotplug, lockHotplugProperties } from './spin/lock-hotplug.js';
import { lockHotplugPromela } from './spin/promela.js';

const PROPERTIES = ['inconsistent', 'deadlock'];
const EQUAL_SIZES: [number, number][] = [
  [1, 2],
  [2, 2],
  [3, 2],
  [2, 3],
  [3, 3],
  [4, 2],
  [2, 4],
  [4, 3],
];

interface Run {
  states: number;
  timeMs: number;
  /** CPU milliseconds, where measured. */
  cpuMs?: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function have(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** pan for this size, built with or without SPIN's partial-order reduction. */
function buildPan(dir: string, cpus: number, creators: number, reduce: boolean): string {
  const sub = join(dir, `${cpus}x${creators}${reduce ? '-por' : ''}`);
  execFileSync('mkdir', ['-p', sub]);
  writeFileSync(join(sub, 'model.pml'), lockHotplugPromela(cpus, creators));
  execFileSync('spin', ['-a', 'model.pml'], { cwd: sub, stdio: 'ignore' });
  execFileSync('gcc', ['-O2', '-w', '-DSAFETY', ...(reduce ? [] : ['-DNOREDUCE']), '-o', 'pan', 'pan.c'], { cwd: sub });
  return join(sub, 'pan');
}

function runPan(pan: string): Run {
  // The depth bound sizes pan's stack, which it allocates (and pays for in system time) up front:
  // the smallest of 200,000, 2 M, ... that the search does not hit.
  for (let depth = 200_000; ; depth *= 10) {
    // `times` after pan: the shell's children's user and system time (its last line).
    const out = execFileSync('bash', ['-c', '"$0" -m"$1"; times', pan, String(depth)], { encoding: 'utf8' });
    if (/max search depth too small/.test(out)) {
      if (depth >= 100_000_000) throw new Error(`bench spin: pan's depth bound cut the search:\n${out}`);
      continue;
    }
    if (!/errors: 0/.test(out)) throw new Error(`bench spin: pan reports errors:\n${out}`);
    const states = /(\d+) states, stored/.exec(out);
    const time = /elapsed time ([\d.e+-]+) seconds/.exec(out);
    const times = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(out.trim().split('\n').at(-1) ?? '');
    if (!states || !time || !times) throw new Error(`bench spin: cannot read pan's output:\n${out}`);
    const cpuMs = (Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4])) * 1000;
    return { states: Number(states[1]), timeMs: Number(time[1]) * 1000, cpuMs };
  }
}

function kmcStates(cpus: number, creators: number): number {
  const r = check(lockHotplug, lockHotplugProperties, { params: { cpus, creators }, property: PROPERTIES });
  if (r.status !== 'verified') throw new Error(`bench spin: kmc: ${r.status === 'error' ? r.message : r.status}`);
  return r.stats.states;
}

/** `kmc check` of the model file with these flags (JSON): the search's own clock, and the whole process's CPU time. */
function runKmc(cpus: number, creators: number, flags: string[]): Run {
  const bin = fileURLToPath(new URL('../../bin/kmc.js', import.meta.url));
  const model = fileURLToPath(new URL('./spin/lock-hotplug.js', import.meta.url));
  const args = [bin, 'check', model, '--param', `cpus=${cpus}`, '--param', `creators=${creators}`, ...PROPERTIES.flatMap((p) => ['--property', p]), '--json', '--quiet', '--no-traces', ...flags];
  // `times` after kmc, as after pan: the shell's children's user and system time (its last line).
  const r = spawnSync('bash', ['-c', '"$0" "$@"; times', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const lines = r.stdout.trim().split('\n');
  const times = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines.at(-1) ?? '');
  const json = JSON.parse(lines.slice(0, -2).join('\n')) as { status: string; stats: { states: number; timeMs: number; workers?: number } };
  if (json.status !== 'verified' || !times) throw new Error(`bench spin: kmc ${flags.join(' ')}: ${r.stdout}${r.stderr}`);
  const cpuMs = (Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4])) * 1000;
  return { states: json.stats.states, timeMs: json.stats.timeMs, cpuMs };
}

export function benchSpin(log: (s: string) => void = console.log): void {
  if (!have('spin', ['-V']) || !have('gcc', ['--version'])) {
    log('skipped: `spin` or `gcc` is not installed (Debian: apt-get install spin gcc)');
    return;
  }
  log(execFileSync('spin', ['-V'], { encoding: 'utf8' }).trim());
  const dir = mkdtempSync(join(tmpdir(), 'kmc-spin-'));
  try {
    // 1. The same work: exhaustive state counts.
    const eq: string[][] = [];
    for (const [cpus, creators] of EQUAL_SIZES) {
      const spin = runPan(buildPan(dir, cpus, creators, false)).states;
      const kmc = kmcStates(cpus, creators);
      eq.push([`cpus=${cpus} creators=${creators}`, thousands(spin), thousands(kmc), spin === kmc ? 'equal' : 'DIFFERENT']);
      if (spin !== kmc) {
        log(renderTable(['size', 'SPIN states', 'kmc states', ''], eq, [24, 14, 14, 10]));
        throw new Error(`bench spin: at cpus=${cpus} creators=${creators} SPIN stores ${spin} states and kmc ${kmc}: the transcription is not the same system`);
      }
    }
    log('Exhaustive state counts (SPIN -DSAFETY -DNOREDUCE, kmc without reductions):');
    log(renderTable(['size', 'SPIN states', 'kmc states', ''], eq, [24, 14, 14, 10]));

    // 2. The ratios at one size, back to back.
    const [cpus, creators] = (process.env.KMC_SPIN_SIZE ?? '4,4').split(',').map(Number) as [number, number];
    const rounds = Number(process.env.KMC_SPIN_ROUNDS ?? 3);
    const full = buildPan(dir, cpus, creators, false);
    const por = buildPan(dir, cpus, creators, true);
    const runs: Record<string, Run[]> = { spin: [], spinPor: [], kmc1: [], kmc2: [], kmcPor: [] };
    const load0 = loadavg()[0]!;
    for (let i = 0; i < rounds; i++) {
      runs.spin!.push(runPan(full));
      runs.kmc1!.push(runKmc(cpus, creators, ['--workers', '1']));
      runs.kmc2!.push(runKmc(cpus, creators, ['--workers', '2']));
      runs.spinPor!.push(runPan(por));
      runs.kmcPor!.push(runKmc(cpus, creators, ['--por']));
    }
    const load1 = loadavg()[0]!;
    const m = (k: string) => ({ states: runs[k]![0]!.states, timeMs: median(runs[k]!.map((r) => r.timeMs)) });
    const rate = (r: Run) => r.states / (r.timeMs / 1000);
    const spin = m('spin');
    const k1 = m('kmc1');
    const k2 = m('kmc2');
    const sp = m('spinPor');
    const kp = m('kmcPor');
    const cpuOf = (k: string) => median(runs[k]!.map((r) => r.cpuMs ?? NaN));
    const [spCpu, kpCpu] = [cpuOf('spinPor'), cpuOf('kmcPor')];
    if (k1.states !== spin.states || k2.states !== spin.states) throw new Error(`bench spin: exhaustive counts differ at cpus=${cpus} creators=${creators}`);
    const row = (what: string, r: Run, vs: string) => [what, thousands(r.states), `${(r.timeMs / 1000).toFixed(2)} s`, thousands(Math.round(rate(r))), vs];
    log(`\ncpus=${cpus} creators=${creators}, median of ${rounds} back-to-back rounds, load average ${load0.toFixed(1)} -> ${load1.toFixed(1)}:`);
    log(
      renderTable(
        ['run', 'states', 'time', 'states/s', 'against SPIN'],
        [
          row('SPIN exhaustive (1 core)', spin, ''),
          row('kmc exhaustive, --workers 1', k1, `${(rate(k1) / rate(spin)).toFixed(2)}× SPIN's states/s (target ≥ 0.75×)`),
          row('kmc exhaustive, --workers 2', k2, `${(rate(k2) / rate(spin)).toFixed(2)}× SPIN's states/s (target ≥ 1.3×)`),
          row("SPIN partial-order reduction", sp, ''),
          row('kmc --por', kp, `${(kp.states / sp.states).toFixed(2)}× SPIN's states (target ≤ 1), ${(kp.timeMs / sp.timeMs).toFixed(1)}× its time (target ≤ 2×)`),
        ],
        [30, 12, 10, 12, 70],
      ),
    );
    log(
      `\nCPU time of the reduced runs' whole processes (medians; start-up included): SPIN's pan ${(spCpu / 1000).toFixed(2)} s, kmc check --por ${(kpCpu / 1000).toFixed(2)} s: ` +
        `${(kpCpu / spCpu).toFixed(1)}× SPIN's CPU time (target ≤ 2×)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const section = {
  name: 'spin',
  doc: 'kmc against SPIN on the same lock/hotplug system (bench/spin): equal exhaustive counts, then states/s and partial-order reduction',
  run: () => benchSpin(),
};
