// `npm run bench`: kmc's benchmarks. Sections can be picked: `npm run bench -- engine`.
// Figures depend on the machine; bench/README.md records them with the machine they came from.
// The default run is bounded (about 15 minutes on 2 idle cores, bench/long.ts); KMC_BENCH_FULL=1
// is the long form. Each section's wall and CPU time and the load around it are printed after
// it, and all of them at the end, so a run says what it cost.

import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { benchEngine, profilePhases } from './engine.js';
import { FULL } from './long.js';

type Section = { name: string; doc: string; run: () => Promise<void> | void };

const sections: Section[] = [
  {
    name: 'engine',
    doc: 'single-threaded exhaustive search of kvm-hotplug at growing sizes',
    run: () => {
      const { largest } = benchEngine();
      if (largest) console.log('\n' + profilePhases('kvm-hotplug', undefined, largest.params));
    },
  },
];

/**
 * CPU seconds so far of this process (every thread) and of its children that have ended (pan,
 * the kmc processes startup and distributed start), from /proc/self/stat (Linux; elsewhere this
 * process's own, from process.cpuUsage()).
 */
function cpuSeconds(): number {
  if (existsSync('/proc/self/stat')) {
    // Fields after the command name (which may hold spaces): utime, stime, cutime, cstime are the 14th-17th.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100; // USER_HZ
  }
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Other bench files add their sections here (parallel speed-up, reductions, random search). */
export function addSection(s: Section): void {
  sections.push(s);
}

async function main(): Promise<void> {
  const extra = ['./parallel.js', './reductions.js', './simulate.js', './liveness.js', './spin.js', './por.js', './memory.js', './startup.js', './distributed.js'];
  for (const m of extra) {
    try {
      const mod = (await import(m)) as { section?: Section };
      if (mod.section) addSection(mod.section);
    } catch (e) {
      // Only the section file itself being absent is skipped (and said); anything else is an error.
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'ERR_MODULE_NOT_FOUND' || !err.message.includes(m.slice(2))) throw e;
      console.log(`(bench section ${m} not present)`);
    }
  }
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !sections.some((s) => s.name === w));
  if (unknown.length) {
    console.error(`bench: unknown section ${unknown.join(', ')}; sections: ${sections.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
  console.log(
    `kmc bench on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ` +
      (FULL ? 'the long form (KMC_BENCH_FULL=1)' : 'the default sizes and rounds (KMC_BENCH_FULL=1: the long form)'),
  );
  const load = () => loadavg()[0]!.toFixed(1);
  const costs: string[] = [];
  const t0 = performance.now();
  const c0 = cpuSeconds();
  for (const s of sections) {
    if (wanted.length && !wanted.includes(s.name)) continue;
    console.log(`\n== ${s.name}: ${s.doc}`);
    const [t, c, l] = [performance.now(), cpuSeconds(), load()];
    await s.run();
    const cost = `${s.name}: ${((performance.now() - t) / 1000).toFixed(0)} s wall, ${(cpuSeconds() - c).toFixed(0)} s CPU, load ${l} -> ${load()}`;
    costs.push(cost);
    console.log(`(${cost})`);
  }
  if (costs.length > 1) console.log(`\n== what each section cost\n${costs.map((c) => `  ${c}`).join('\n')}\n  in all: ${((performance.now() - t0) / 1000).toFixed(0)} s wall, ${(cpuSeconds() - c0).toFixed(0)} s CPU`);
}

await main();
