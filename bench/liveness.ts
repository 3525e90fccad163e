// Liveness beside safety on the same state graph: for bundled models at growing sizes, the
// plain safety search (no graph kept), the same search recording the graph liveness needs
// (src/engine/liveness/graph.ts: every edge with its choice index and action, label bits per
// state), and the fair-cycle analysis of every liveness property on it (the built-in livelock
// and the model's own). Memory: the graph's bytes per state, beside the visited set's.

import { bundled } from '../models/index.js';
import { check } from '../src/engine/check.js';
import type { Property } from '../src/property/types.js';
import { withBuiltinLiveness } from '../src/property/liveness.js';
import { renderTable } from '../src/report/text.js';
import { byLength } from './long.js';

/** Every model at growing sizes (the long form, KMC_BENCH_FULL=1: about 5 minutes at load 7, its largest sizes a minute each). */
const FULL_SIZES: Record<string, Record<string, number | boolean>[]> = {
  'kvm-hotplug': [{}, { cpus: 3 }, { cpus: 3, creators: 3 }],
  'pm-freeze': [{}, { submitters: 2 }, { submitters: 2, rounds: 2 }],
  'xen-remove-from-physmap': [{}, { hypercalls: 2 }, { hypercalls: 2, rounds: 2 }],
  'kvm-intx-mask': [{ irqs: 1 }, {}],
  'sched-delayed-dequeue': [{}, { vcpus: 2 }, { vcpus: 2, senders: 2 }],
};

/** The default run: each model's sizes below 200,000 states (two per model where there are), under half a minute in all when idle. */
const DEFAULT_SIZES: Record<string, Record<string, number | boolean>[]> = {
  'kvm-hotplug': [{}, { cpus: 3 }],
  'pm-freeze': [{}, { submitters: 2 }],
  'xen-remove-from-physmap': [{}, { hypercalls: 2 }, { hypercalls: 2, rounds: 2 }],
  'kvm-intx-mask': [{ irqs: 1 }, {}],
  'sched-delayed-dequeue': [{}],
};
const SIZES = byLength(DEFAULT_SIZES, FULL_SIZES);

const ms = (x: number) => `${x.toFixed(0)} ms`;

export function benchLiveness(log: (s: string) => void = console.log, maxStates = 2_000_000): void {
  const rows: string[][] = [];
  for (const entry of bundled) {
    for (const params of SIZES[entry.model.name] ?? [{}]) {
      const all = withBuiltinLiveness(entry.properties.properties as Property[]);
      const safety = all.filter((p) => p.kind !== 'liveness').map((p) => p.name);
      const live = all.filter((p) => p.kind === 'liveness').map((p) => p.name);
      const plain = check(entry.model, entry.properties, { params, property: safety, maxStates });
      const withGraph = check(entry.model, entry.properties, { params, maxStates });
      if (plain.status === 'error' || withGraph.status === 'error') {
        rows.push([entry.model.name, JSON.stringify(params), 'error', '', '', '', '', '', '']);
        continue;
      }
      const l = withGraph.liveness;
      rows.push([
        entry.model.name,
        Object.entries(params).map(([k, v]) => `${k}=${v}`).join(' ') || '(defaults)',
        plain.stats.states.toLocaleString('en'),
        ms(plain.stats.timeMs),
        ms(withGraph.stats.timeMs),
        l ? ms(l.analysisMs) : '-',
        l ? `${l.edges.toLocaleString('en')}` : '-',
        `${plain.stats.bytesPerState.toFixed(1)} + ${l ? l.bytesPerState.toFixed(1) : '-'}`,
        `${live.join(', ')}: ${withGraph.properties.filter((p) => p.kind === 'liveness').map((p) => p.status).join(', ')}${withGraph.status === 'incomplete' ? ' (cut)' : ''}`,
      ]);
    }
  }
  log(
    renderTable(
      ['model', 'size', 'states', 'safety search', 'search + graph', 'fair-cycle analysis', 'edges', 'bytes/state (visited + graph)', 'liveness verdicts'],
      rows,
      [24, 24, 10, 10, 10, 10, 10, 14, 40],
    ),
  );
}

export const section = { name: 'liveness', doc: 'liveness beside safety on the same state graph (bundled models at growing sizes), graph memory per state', run: () => benchLiveness() };
