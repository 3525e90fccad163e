// Single-threaded engine benchmark: kvm-hotplug at growing sizes. For each size: distinct
// states, transitions, time, states per second and bytes per stored state in the visited set;
// then, for the largest size that finished, where the time goes (enabled-action computation,
// applying steps, fingerprinting, visited-set inserts), timed separately over the same states.

import { bundled } from '../models/index.js';
import { check } from '../src/engine/check.js';
import { compileModel, type CompiledAction } from '../src/model/compile.js';
import { FingerprintSet } from '../src/engine/visited.js';
import { hashHi, hashLo } from '../src/util/hash.js';
import { bytes, thousands } from '../src/util/format.js';
import { renderTable } from '../src/report/text.js';
import { byLength } from './long.js';

export interface EngineSize {
  label: string;
  params: Record<string, number | boolean>;
}

/** kvm-hotplug sizes, smallest first: 2..5 CPUs at the model's defaults, then more creators and rounds (the long form, KMC_BENCH_FULL=1). */
export const KVM_SIZES: EngineSize[] = [
  { label: 'cpus=2', params: { cpus: 2 } },
  { label: 'cpus=3', params: { cpus: 3 } },
  { label: 'cpus=3 creators=3', params: { cpus: 3, creators: 3 } },
  { label: 'cpus=3 rounds=2', params: { cpus: 3, rounds: 2 } },
  { label: 'cpus=4', params: { cpus: 4 } },
  { label: 'cpus=4 creators=3', params: { cpus: 4, creators: 3 } },
  { label: 'cpus=5', params: { cpus: 5 } },
  { label: 'cpus=5 creators=3 rounds=2', params: { cpus: 5, creators: 3, rounds: 2 } },
];

/**
 * The default run's sizes: up to cpus=4 (1,176,124 states, about 10 s). The larger ones take a
 * minute or more each (cpus=4 creators=3: 4.1 M states, 39 s at load 3; cpus=5 is cut by the
 * minute's bound), and the phases are profiled on the largest size that finished either way.
 */
export const DEFAULT_SIZES: EngineSize[] = KVM_SIZES.slice(0, KVM_SIZES.findIndex((s) => s.label === 'cpus=4') + 1);

export interface EngineRow {
  size: string;
  verdict: string;
  states: number;
  transitions: number;
  timeMs: number;
  statesPerSecond: number;
  bytesPerState: number;
  peakMemory: number;
}

export function benchEngine(o: { model?: string; variant?: string; maxTimeMs?: number; sizes?: EngineSize[]; log?: (s: string) => void } = {}): {
  rows: EngineRow[];
  largest: EngineSize | undefined;
} {
  const log = o.log ?? ((s: string) => console.log(s));
  const name = o.model ?? 'kvm-hotplug';
  const entry = bundled.find((e) => e.model.name === name);
  if (!entry) throw new Error(`bench: model ${name} is not registered in models/index.ts`);
  const variant = o.variant ?? Object.keys(entry.model.variants)[0]!;
  const rows: EngineRow[] = [];
  let largest: EngineSize | undefined;
  for (const size of o.sizes ?? byLength(DEFAULT_SIZES, KVM_SIZES)) {
    const params = Object.fromEntries(Object.entries(size.params).filter(([k]) => k in entry.model.params));
    const r = check(entry.model, entry.properties, { variant, params, maxTimeMs: o.maxTimeMs ?? 60_000 });
    if (r.status === 'error') throw new Error(`bench: ${r.message}`);
    const row: EngineRow = {
      size: size.label,
      verdict: r.status === 'violated' && !r.complete ? 'violated (incomplete)' : r.status,
      states: r.stats.states,
      transitions: r.stats.transitions,
      timeMs: r.stats.timeMs,
      statesPerSecond: r.stats.statesPerSecond,
      bytesPerState: r.stats.bytesPerState,
      peakMemory: r.stats.peakMemory,
    };
    rows.push(row);
    log(
      `  ${name} ${variant} ${size.label}: ${row.verdict}, ${thousands(row.states)} states, ${(row.timeMs / 1000).toFixed(1)} s, ${thousands(row.statesPerSecond)} states/s, ${row.bytesPerState.toFixed(1)} B/state`,
    );
    const complete = r.status === 'verified' || (r.status === 'violated' && r.complete);
    if (!complete) break;
    largest = size;
  }
  log(
    renderTable(
      ['size', 'verdict', 'distinct states', 'transitions', 'time', 'states/s', 'bytes/state', 'peak RSS'],
      rows.map((r) => [r.size, r.verdict, thousands(r.states), thousands(r.transitions), `${(r.timeMs / 1000).toFixed(2)} s`, thousands(r.statesPerSecond), r.bytesPerState.toFixed(1), bytes(r.peakMemory)]),
      [28, 22, 16, 16, 10, 12, 12, 10],
    ),
  );
  return { rows, largest };
}

/**
 * Where the time goes: collect up to `sample` states by BFS, then time each phase alone over
 * them. The phases overlap nothing, so their sum approximates the search's inner loop; the rest
 * (frontier, properties, bookkeeping) is the difference to the measured total.
 */
export function profilePhases(model: string, variant: string | undefined, params: Record<string, number | boolean>, sample = 200_000): string {
  const entry = bundled.find((e) => e.model.name === model)!;
  const m = compileModel(entry.model, { variant, params: Object.fromEntries(Object.entries(params).filter(([k]) => k in entry.model.params)) });
  const states: Int32Array[] = [m.init];
  const seen = new FingerprintSet();
  seen.insert(hashHi(m.init), hashLo(m.init), -1, 0);
  const actions: CompiledAction[] = [];
  for (let i = 0; i < states.length && states.length < sample; i++) {
    const n = m.enabled(states[i]!, actions);
    for (let k = 0; k < n; k++) {
      const next = new Int32Array(m.width);
      m.apply(states[i]!, actions[k]!, next);
      if (seen.insert(hashHi(next), hashLo(next), i, k) >= 0) states.push(next);
    }
  }
  const time = (f: () => void) => {
    const t = performance.now();
    f();
    return performance.now() - t;
  };
  let transitions = 0;
  const tEnabled = time(() => {
    for (const s of states) transitions += m.enabled(s, actions);
  });
  const dst = new Int32Array(m.width);
  const succ: Int32Array[] = [];
  const tApply = time(() => {
    for (const s of states) {
      const n = m.enabled(s, actions);
      for (let k = 0; k < n; k++) {
        m.apply(s, actions[k]!, dst);
        if (succ.length < 400_000) succ.push(dst.slice());
      }
    }
  }) - tEnabled;
  // The fingerprints are kept, so the inserts are timed alone: timing hash + insert and
  // subtracting the hash loop's time went negative (the hash loop ran first, colder) and printed
  // 0.000 µs.
  const his = new Int32Array(succ.length);
  const los = new Int32Array(succ.length);
  const tHash = time(() => {
    for (let i = 0; i < succ.length; i++) {
      his[i] = hashHi(succ[i]!);
      los[i] = hashLo(succ[i]!);
    }
  });
  const set = new FingerprintSet();
  const tInsert = time(() => {
    for (let i = 0; i < succ.length; i++) set.insert(his[i]!, los[i]!, i, 0);
  });
  const perT = (ms: number, n: number) => `${((ms * 1000) / n).toFixed(3)} µs`;
  return [
    `Where the time goes (${model} ${m.variant}, ${thousands(states.length)} states, ${thousands(transitions)} transitions, state width ${m.width} words):`,
    `  enabled actions (guards):   ${perT(tEnabled, states.length)} per state`,
    `  apply a step (recipe):      ${perT(tApply, transitions)} per transition`,
    `  fingerprint (2 × 32 bits):  ${perT(tHash, succ.length)} per successor`,
    `  visited-set insert:         ${perT(tInsert, succ.length)} per successor`,
  ].join('\n');
}
