// Every bundled model, as they are registered in models/index.ts: each violation found by check
// round-trips through a trace file (encode, decode, replay with every state checked), and
// `prove` holds for every pair of a violated variant and a verified one at default parameters,
// and, property by property, for every variant that violates a property and one where the
// complete search shows it holds.
//
// Every check in this file, the test's own and those prove() makes, goes through one memo keyed
// by model, property set and options: prove(from, to, --property P) for every violated/holds
// pair of P repeated the same two searches for each pair (kvm-hotplug: 92 searches, 32 distinct),
// and the whole-set proves repeated the test's own checks. Each distinct search still runs, once,
// unmocked; what prove does with the results (the replay, the port to the fixed variant) runs
// for every pair.

import { describe, expect, it, vi } from 'vitest';
import { bundled, type ModelEntry } from '../../models/index.js';
import { check, propertiesOf } from '../../src/engine/check.js';
import { prove } from '../../src/engine/prove.js';
import { replayTraceFile } from '../../src/engine/replay.js';
import type { CheckResult } from '../../src/engine/result.js';
import { compileModel } from '../../src/model/compile.js';
import { expandPath } from '../../src/trace/expand.js';
import { decodeTrace, encodeTrace, traceToText } from '../../src/trace/itf.js';

vi.mock('../../src/engine/check.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/engine/check.js')>();
  const memo = new Map<object, Map<object, Map<string, CheckResult>>>();
  // Same inputs, same search: options are plain data here (variant, property, maxTimeMs).
  const key = (o: object) => JSON.stringify(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
  const check: typeof actual.check = (def, properties, options = {}) => {
    let byProps = memo.get(def);
    if (!byProps) memo.set(def, (byProps = new Map()));
    let byOptions = byProps.get(properties);
    if (!byOptions) byProps.set(properties, (byOptions = new Map()));
    let r = byOptions.get(key(options));
    if (!r) byOptions.set(key(options), (r = actual.check(def, properties, options)));
    return r;
  };
  return { ...actual, check };
});

const BOUND = { maxTimeMs: 20_000 };
const checked = (entry: ModelEntry, variant: string): CheckResult => check(entry.model, entry.properties, { variant, ...BOUND });
const variants = (e: ModelEntry) => Object.keys(e.model.variants);

describe.each(bundled.map((e) => [e.model.name, e] as const))('%s', (_name, entry) => {
  it('every violation round-trips through a trace file and replay', (ctx) => {
    const all = propertiesOf(entry.properties);
    let traces = 0;
    for (const variant of variants(entry)) {
      const r = checked(entry, variant);
      if (r.status !== 'violated') continue;
      const model = compileModel(entry.model, { variant });
      for (const v of r.violations) {
        const text = traceToText(
          encodeTrace(model, expandPath(model, v.path), { source: entry.source, violation: { property: v.property, kind: v.kind, message: v.message, step: v.path.length }, ...(v.loop !== undefined ? { loop: v.loop } : {}) }),
        );
        const run = replayTraceFile(model, all, all, decodeTrace(text, `${variant}--${v.property}.itf.json`));
        expect(run.stop).toBeUndefined();
        const found = run.violations.find((x) => x.property.name === v.property);
        expect({ step: found?.step, message: found?.message }).toEqual({ step: v.path.length, message: v.message });
        traces++;
      }
    }
    if (traces === 0) ctx.skip('no variant of this model is violated at its default parameters');
  });

  it('prove holds for every violated -> verified pair of variants', (ctx) => {
    const buggy = variants(entry).filter((v) => checked(entry, v).status === 'violated');
    const fixed = variants(entry).filter((v) => checked(entry, v).status === 'verified');
    const pairs = buggy.flatMap((from) => fixed.map((to) => [from, to] as const));
    if (pairs.length === 0) ctx.skip('no pair of a violated and a verified variant at default parameters');
    for (const [from, to] of pairs) {
      const r = prove(entry.model, entry.properties, { from, to, ...BOUND });
      expect({ from, to, parts: r.parts, end: r.onFixed?.port.end.kind }).toMatchObject({ from, to, parts: { counterexample: true, verified: true, blocked: true } });
    }
  });

  it('prove --property P holds wherever P is violated on one variant and holds on another', (ctx) => {
    const status = (v: string, p: string) => {
      const r = checked(entry, v);
      if (r.status !== 'violated' && r.status !== 'verified') return 'unknown';
      if (r.status === 'violated' && !r.complete) return 'unknown';
      return r.properties.find((x) => x.name === p)?.status ?? 'unknown';
    };
    const pairs = entry.properties.properties.flatMap((p) =>
      variants(entry).flatMap((from) =>
        status(from, p.name) !== 'violated' ? [] : variants(entry).filter((to) => status(to, p.name) === 'holds').map((to) => [p.name, from, to] as const),
      ),
    );
    if (pairs.length === 0) ctx.skip('no property is violated on one variant and holds on another at default parameters');
    for (const [property, from, to] of pairs) {
      const r = prove(entry.model, entry.properties, { from, to, property: [property], ...BOUND });
      expect({ property, from, to, parts: r.parts, end: r.onFixed?.port.end }).toMatchObject({ property, from, to, parts: { counterexample: true, verified: true, blocked: true } });
    }
  });
});

it('lists the bundled models it covers', () => {
  // Guards against the loop above silently covering nothing once models are registered.
  expect(bundled.length).toBeGreaterThan(0);
});
