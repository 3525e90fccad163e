// Partial-order reduction on every bundled model and variant at its defaults: states stored
// without it and with it (kept on: `porSeed.keep`, so the table shows what it prunes rather than
// the CLI's give-up rule), all the model's safety properties and deadlock checked (liveness runs
// unreduced either way), and the verdicts compared (the bench stops if they differ).
// `npm run bench -- por`. This is the measurement README's "why POR is off by default" quotes.
// With KMC_POR_BLAME=1 each model is searched once more (untimed) and the slots that made its
// stubborn closures big are listed (por.ts, ConflictCount): what makes its steps dependent.

import { loadavg } from 'node:os';
import { bundled } from '../models/index.js';
import { check } from '../src/engine/check.js';
import type { CheckResult } from '../src/engine/result.js';
import type { ConflictCount } from '../src/engine/reduction/por.js';
import { renderTable } from '../src/report/text.js';
import { thousands } from '../src/util/format.js';

const verdicts = (r: CheckResult): string =>
  r.status === 'error' ? `error: ${r.message}` : r.properties.filter((p) => p.kind !== 'liveness').map((p) => `${p.name}:${p.status}`).join(' ');

export function benchPorBundled(log: (s: string) => void = console.log): void {
  const rows: string[][] = [];
  const load0 = loadavg()[0]!;
  for (const e of bundled)
    for (const variant of Object.keys(e.model.variants)) {
      const plain = check(e.model, e.properties, { variant });
      const por = check(e.model, e.properties, { variant, por: true, porSeed: { keep: true } });
      if (plain.status === 'error' || por.status === 'error') throw new Error(`bench por: ${e.model.name} ${variant}: ${plain.status === 'error' ? plain.message : (por as { message: string }).message}`);
      if (verdicts(plain) !== verdicts(por)) throw new Error(`bench por: ${e.model.name} ${variant}: partial-order reduction changed a verdict:\n${verdicts(plain)}\n${verdicts(por)}`);
      const note = por.reductions?.notes.find((n) => n.startsWith('partial-order')) ?? '';
      rows.push([
        `${e.model.name} ${variant}`,
        thousands(plain.stats.states),
        thousands(por.stats.states),
        `${(plain.stats.states / por.stats.states).toFixed(2)}×`,
        `${(plain.stats.timeMs / 1000).toFixed(1)} / ${(por.stats.timeMs / 1000).toFixed(1)}`,
        /not needed/.test(note) ? 'prefix covered all' : '',
      ]);
      log(`  ${e.model.name} ${variant}: ${thousands(plain.stats.states)} -> ${thousands(por.stats.states)}`);
      if (process.env.KMC_POR_BLAME === '1') {
        let top: ConflictCount[] = [];
        check(e.model, e.properties, { variant, por: true, porSeed: { keep: true, blame: (c) => (top = c) } });
        for (const c of top.slice(0, 8)) log(`      ${c.rule} ${c.slot}: ${thousands(c.count)}`);
      }
    }
  log(`load average ${load0.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}`);
  log(renderTable(['model variant', 'states', 'with --por', 'ratio', 'time s (plain / por)', ''], rows, [40, 10, 10, 8, 12, 20]));
}

export const section = {
  name: 'por',
  doc: 'partial-order reduction on every bundled model and variant at its defaults (states with and without)',
  run: () => benchPorBundled(),
};
