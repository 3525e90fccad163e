// The state graph the parallel search records for liveness (src/parallel/graph-part.ts, joined by
// graph-join.ts) is the sequential search's (searchGraph, src/engine/liveness/run.ts) array for
// array: start, to, choice, action, labels and flags, on bundled models at small sizes, the
// textbook spinner and random models, with 1 (the shared table asked for), 2 and 3 workers,
// every level by all of them or the small ones by one alone, and a shared table that starts at
// 16 slots (so that levels spill and the table grows while edges name its ids). The check's
// verdicts and lassos are then those of the sequential check.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bundled, registry } from '../../models/index.js';
import { check } from '../../src/engine/check.js';
import type { StateGraph } from '../../src/engine/liveness/graph.js';
import { isLiveness, searchGraph } from '../../src/engine/liveness/run.js';
import { isPlan, planCheck } from '../../src/engine/plan.js';
import type { CheckResult } from '../../src/engine/result.js';
import type { ModelDef } from '../../src/model/types.js';
import type { ParallelCheckOptions, ParallelTarget } from '../../src/parallel/index.js';
import type { Property, PropertySet } from '../../src/property/types.js';
import { spinner, spinnerProps } from '../fixtures/liveness-textbook.js';
import { specModule } from '../fixtures/parallel/random-spec.js';
import { buildRandomModel, modelSpec } from '../oracle/random-model.js';
import { checkersFor } from './checkers.js';

const checkers = checkersFor([1, 2, 3]);
/** Two workers with the default small-level rule: the lead searches the small levels alone. */
const solo = checkersFor([2], {});

type Options = { variant?: string; params?: Record<string, number | boolean> };

/** The graph the sequential search records for the same check. */
function sequentialGraph(def: ModelDef, properties: PropertySet | readonly Property[], o: Options): StateGraph {
  const plan = planCheck(def, properties, o);
  if (!isPlan(plan)) throw new Error('the model does not build');
  return searchGraph(plan.model, plan.all, plan.selected.filter((p) => !isLiveness(p)), plan.selected.filter(isLiveness), {}).graph;
}

const labelsOf = (g: StateGraph) => (g as unknown as { labels: Uint32Array }).labels;

/** The first difference between two graphs, array by array ('' when equal). */
function difference(a: StateGraph, b: StateGraph): string {
  if (a.n !== b.n) return `states: ${a.n} != ${b.n}`;
  const arrays: [string, ArrayLike<number>, ArrayLike<number>][] = [
    ['start', a.start, b.start],
    ['to', a.to, b.to],
    ['choice', a.choice, b.choice],
    ['action', a.action, b.action],
    ['labels', labelsOf(a), labelsOf(b)],
    ['flags', a.flags, b.flags],
  ];
  for (const [name, x, y] of arrays) {
    if (x.length !== y.length) return `${name}: length ${x.length} != ${y.length}`;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `${name}[${i}]: ${x[i]} != ${y[i]}`;
  }
  return '';
}

/** What a check found, lassos included (path and loop). */
function found(r: CheckResult) {
  if (r.status === 'error') return { error: r.message };
  return {
    status: r.status,
    states: r.stats.states,
    transitions: r.stats.transitions,
    properties: r.properties.map((p) => `${p.name}: ${p.status}${p.status === 'holds' && p.notExercised !== undefined ? `, not exercised: ${p.notExercised}` : ''}`),
    violations: r.status === 'violated' ? r.violations.map((v) => ({ property: v.property, path: v.path.join('/'), loop: v.loop, message: v.message })) : [],
    graph: r.liveness ? [r.liveness.states, r.liveness.edges, r.liveness.graphBytes] : undefined,
  };
}

/** The parallel check and the graph it recorded. */
async function parallel(checker: { check(t: ParallelTarget, o: ParallelCheckOptions): Promise<CheckResult> }, target: ParallelTarget, o: ParallelCheckOptions): Promise<{ result: CheckResult; graph: StateGraph | undefined }> {
  let graph: StateGraph | undefined;
  const result = await checker.check(target, { ...o, onGraph: (g) => (graph = g) });
  return { result, graph };
}

/** Every way of running the check records the sequential graph and reaches the sequential result. */
async function expectSequentialGraph(target: ParallelTarget, o: Options, what: string): Promise<void> {
  const want = sequentialGraph(target.model, target.properties, o);
  const sequential = found(check(target.model, target.properties, o));
  const run = async (how: string, checker: Parameters<typeof parallel>[0], more: ParallelCheckOptions) => {
    const { result, graph } = await parallel(checker, target, { ...o, ...more });
    expect(graph, `${what}, ${how}: a recorded graph`).toBeDefined();
    expect(difference(graph!, want), `${what}, ${how}`).toBe('');
    expect(found(result), `${what}, ${how}`).toEqual(sequential);
    expect(result.status !== 'error' && result.liveness?.notes.join(' '), `${what}, ${how}`).toMatch(/recorded by the parallel search/);
  };
  await run('1 worker (shared table)', checkers.get(1)!, { dedup: 'shared-table' });
  await run('2 workers', checkers.get(2)!, {});
  await run('3 workers, a growing table', checkers.get(3)!, { tableSlots: 16 });
  await run('2 workers, small levels alone', solo.get(2)!, {});
}

const bundledTarget = (name: string): ParallelTarget => {
  const entry = bundled.find((e) => e.model.name === name)!;
  return { model: entry.model, properties: entry.properties, source: { kind: 'bundled', registry: registry.module!, source: entry.source } };
};

describe('the parallel search records the sequential state graph', () => {
  it('the spinner (a livelock lasso), both variants', async () => {
    const target: ParallelTarget = { model: spinner, properties: spinnerProps, source: { kind: 'file', module: new URL('../fixtures/models/spinner.ts', import.meta.url).pathname } };
    for (const variant of ['buggy', 'fixed']) await expectSequentialGraph(target, { variant }, `spinner ${variant}`);
  });

  it('xen-remove-from-physmap, every variant', async () => {
    const target = bundledTarget('xen-remove-from-physmap');
    for (const variant of Object.keys(target.model.variants)) await expectSequentialGraph(target, { variant }, `xen ${variant}`);
  });

  // A lasso of a property of the model's own (urb-completes), and halted states.
  it('pm-freeze freeze-run-bit', async () => {
    await expectSequentialGraph(bundledTarget('pm-freeze'), { variant: 'freeze-run-bit' }, 'pm-freeze');
  });

  it('kvm-hotplug v2.6.37, one creator', async () => {
    await expectSequentialGraph(bundledTarget('kvm-hotplug'), { variant: 'v2.6.37', params: { creators: 1 } }, 'kvm-hotplug');
  });

  it('a level that spills (the table grows at its end, after edges named the spilled states)', async () => {
    const module = new URL('../fixtures/models/fan-out.ts', import.meta.url).pathname;
    const { default: model, properties } = (await import(module)) as { default: ModelDef; properties: PropertySet };
    await expectSequentialGraph({ model, properties, source: { kind: 'file', module } }, {}, 'fan-out');
  });

  // The bound cuts behaviours: no liveness property may hold on the graph (a regression: the
  // analysis was once told the search was complete).
  it('store-buffer-cut under tso: a graph cut by the store-buffer bound', async () => {
    const module = new URL('../fixtures/models/store-buffer-cut.ts', import.meta.url).pathname;
    const { default: model, properties } = (await import(module)) as { default: ModelDef; properties: PropertySet };
    await expectSequentialGraph({ model, properties, source: { kind: 'file', module } }, {}, 'store-buffer-cut');
  });

  it('a --max-depth cut: the same graph, its last depth not expanded', async () => {
    const target = bundledTarget('pm-freeze');
    const want = sequentialGraph(target.model, target.properties, { variant: 'freeze-run-bit' });
    expect(want.n).toBeGreaterThan(0);
    const plan = planCheck(target.model, target.properties, { variant: 'freeze-run-bit' });
    if (!isPlan(plan)) throw new Error('the model does not build');
    const cut = searchGraph(plan.model, plan.all, plan.selected.filter((p) => !isLiveness(p)), plan.selected.filter(isLiveness), { maxDepth: 12 }).graph;
    const { result, graph } = await parallel(checkers.get(2)!, target, { variant: 'freeze-run-bit', maxDepth: 12 });
    expect(difference(graph!, cut)).toBe('');
    expect(found(result)).toEqual(found(check(target.model, target.properties, { variant: 'freeze-run-bit', maxDepth: 12 })));
  });

  it('random models', async () => {
    await fc.assert(
      fc.asyncProperty(modelSpec, async (spec) => {
        const { model, properties } = buildRandomModel(spec);
        const target: ParallelTarget = { model, properties, source: { kind: 'file', module: specModule(spec) } };
        await expectSequentialGraph(target, {}, 'random model');
      }),
      { numRuns: Number(process.env.KMC_RANDOM_RUNS ?? 25) },
    );
  }, 300_000);
});
