// `npm run bench`: kmc's benchmarks. Sections can be picked: `npm run bench -- engine`.
// Figures depend on the machine; bench/README.md records them with the machine they came from.

import { cpus, totalmem } from 'node:os';
import { benchEngine, profilePhases } from './engine.js';

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
  console.log(`kmc bench on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
  for (const s of sections) {
    if (wanted.length && !wanted.includes(s.name)) continue;
    console.log(`\n== ${s.name}: ${s.doc}`);
    await s.run();
  }
}

await main();
