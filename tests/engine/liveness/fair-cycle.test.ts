// The fair-cycle search looks only at the states on a cycle of the whole graph (cyclicStates,
// src/engine/liveness/fair-cycle.ts): which states those are, and that a search restricted to them
// finds what the search over every state finds, on hand-made and random graphs.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CompiledModel } from '../../../src/model/compile.js';
import { FairCycleFinder, type Constraint, type Region } from '../../../src/engine/liveness/fair-cycle.js';
import { EXPANDED, HALTED, StateGraph } from '../../../src/engine/liveness/graph.js';

const ACTIONS = 3;
const model = { allActions: Array.from({ length: ACTIONS }, (_, a) => ({ id: `a${a}` })) } as unknown as CompiledModel;

/** A graph of n states from its edges [from, to, action]; `flags` per state (default: expanded). */
function graph(n: number, edges: readonly (readonly [number, number, number])[], flags?: readonly number[]): StateGraph {
  const sorted = [...edges].sort((x, y) => x[0] - y[0]);
  const start = new Int32Array(n + 1);
  for (const [f] of sorted) start[f + 1]!++;
  for (let s = 0; s < n; s++) start[s + 1]! += start[s]!;
  const to = Int32Array.from(sorted, (e) => e[1]);
  const action = Int32Array.from(sorted, (e) => e[2]);
  const choice = Uint16Array.from(sorted, () => 0);
  return new StateGraph(model, n, start, to, choice, action, new Uint32Array(n), 1, Uint8Array.from({ length: n }, (_, s) => flags?.[s] ?? EXPANDED));
}

const cyclic = (g: StateGraph) => [...new FairCycleFinder(g, []).cyclicStates()];

describe('the states on a cycle of the whole graph', () => {
  it('are none in a graph without a cycle', () => {
    expect(cyclic(graph(4, [[0, 1, 0], [0, 2, 1], [1, 3, 0], [2, 3, 2]]))).toEqual([]);
  });

  it('are the states of the non-trivial components: a loop of two, a self-loop; not the tail into them or out of them', () => {
    // 0 -> 1 <-> 2 -> 3 (3 -> 3), 0 -> 4, 4 -> 5
    const g = graph(6, [[0, 1, 0], [1, 2, 0], [2, 1, 1], [2, 3, 2], [3, 3, 0], [0, 4, 1], [4, 5, 0]]);
    expect(cyclic(g)).toEqual([1, 2, 3]);
  });

  it('leave out an unexpanded or halted state, and so a cycle through one', () => {
    // 1 <-> 2 through a halted 2; 3 <-> 4 with 4 unexpanded (a bound cut the search there); 5 <-> 6.
    const g = graph(7, [[0, 1, 0], [1, 2, 0], [2, 1, 0], [0, 3, 1], [3, 4, 0], [4, 3, 0], [0, 5, 2], [5, 6, 0], [6, 5, 1]], [EXPANDED, EXPANDED, EXPANDED | HALTED, EXPANDED, 0, EXPANDED, EXPANDED]);
    expect(cyclic(g)).toEqual([5, 6]);
  });
});

/** A random graph with random flags, a random region and random weak or strong constraints. */
const problem = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.nat(ACTIONS - 1)), { maxLength: 3 * n }),
    flags: fc.array(fc.constantFrom(EXPANDED, EXPANDED, EXPANDED, EXPANDED | HALTED, 0), { minLength: n, maxLength: n }),
    node: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    accept: fc.option(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { nil: undefined }),
    noEdge: fc.option(fc.nat(ACTIONS - 1), { nil: undefined }),
    stutter: fc.boolean(),
    constraints: fc.array(fc.record({ strong: fc.boolean(), taken: fc.array(fc.boolean(), { minLength: ACTIONS, maxLength: ACTIONS }) }), { maxLength: 3 }),
  }),
);

describe('a search restricted to the states on a cycle', () => {
  it('finds the same fair component as the search over every state (random graphs, regions and constraints)', () => {
    fc.assert(
      fc.property(problem, (p) => {
        const g = graph(p.n, p.edges, p.flags);
        const constraints = (): Constraint[] =>
          p.constraints.map((k, i) => {
            const taken = Uint8Array.from(k.taken, (b) => (b ? 1 : 0));
            const enabled = new Uint8Array(p.n);
            for (let s = 0; s < p.n; s++) for (let e = g.start[s]!; e < g.start[s + 1]!; e++) if (taken[g.action[e]!]) enabled[s] = 1;
            return { kind: k.strong ? 'strong' : 'weak', name: `k${i}`, taken, enabled };
          });
        const region: Region = {
          node: Uint8Array.from(p.node, (b) => (b ? 1 : 0)),
          ...(p.noEdge !== undefined ? { edge: (e: number) => g.action[e] !== p.noEdge } : {}),
          ...(p.accept ? { accept: (s: number) => p.accept![s]! } : {}),
          stutter: p.stutter,
        };
        const cycles = new FairCycleFinder(g, []).cyclicStates();
        const everywhere = new FairCycleFinder(g, constraints()).find(region);
        const restricted = new FairCycleFinder(g, constraints(), undefined, cycles).find(region);
        const asSet = (c: typeof everywhere) => c && { stutter: c.stutter, states: [...c.states].sort((a, b) => a - b) };
        expect(asSet(restricted)).toEqual(asSet(everywhere));
        // And every component the full search decomposes lies in the cyclic states.
        const all: number[] = [];
        for (let s = 0; s < p.n; s++) if (g.expanded(s) && !g.halted(s)) all.push(s);
        const onCycle = new Set(cycles);
        for (const c of new FairCycleFinder(g, []).components(all, region.edge)) for (const s of c) expect(onCycle.has(s)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
