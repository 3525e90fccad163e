// A brute-force liveness oracle that shares no code with src/engine: the state graph is built
// with the reference explorer's semantics (reference-explorer.ts), and a fair lasso is looked
// for by trying every set of states as the loop's states, one by one. For a set S, the loop may
// use every edge between states of S that the property allows; S is the state set of a fair
// loop exactly when those edges connect S strongly (at least one edge) and the fairness holds
// over S: a weakly fair thread or step is disabled in some state of S or has an edge in S; a
// strongly fair one is enabled in no state of S or has an edge in S. (A closed walk can run
// through every state and edge of a strongly connected set, and more edges never hurt.) Plus
// single states where a run may stay for ever (nothing fair enabled, not halted).
// Exponential in the number of states: for small models only (maxStates).
//
// It also checks a lasso the engine returns: the path replays, the loop leads back to the state
// it starts from, the loop is fair by the definitions above, and the states and steps along it
// violate the property.

import { END } from '../../src/model/index.js';
import type { FairnessSpec, LivenessProperty, Property } from '../../src/property/index.js';
import { canonical, RefSystem, stateKey, type RefAction, type RefState } from './reference-explorer.js';

export interface RefGraph {
  states: RefState[];
  out: { to: number; a: RefAction }[][];
}

export function buildGraph(sys: RefSystem, maxStates = 5000): RefGraph | undefined {
  const index = new Map<string, number>();
  const states: RefState[] = [];
  const out: { to: number; a: RefAction }[][] = [];
  const add = (s: RefState) => {
    const k = stateKey(s);
    let i = index.get(k);
    if (i === undefined) {
      i = states.length;
      index.set(k, i);
      states.push(s);
      out.push([]);
    }
    return i;
  };
  add(sys.init);
  for (let i = 0; i < states.length; i++) {
    if (states.length > maxStates) return undefined;
    const s = states[i]!;
    if (s.halted) continue;
    for (const a of sys.enabled(s)) out[i]!.push({ to: add(sys.step(s, a).state), a });
  }
  return { states, out };
}

interface Fair {
  kind: 'weak' | 'strong';
  /** Is this a step of the fair thread / fair step? */
  mine(a: RefAction): boolean;
}

function fairOf(sys: RefSystem, spec: FairnessSpec | undefined): Fair[] {
  const out: Fair[] = [];
  sys.threadNames.forEach((name, t) => {
    let f = spec?.default ?? 'weak';
    for (const [pat, g] of Object.entries(spec?.threads ?? {}))
      if (pat.endsWith('*') ? name.startsWith(pat.slice(0, -1)) : pat === name) {
        f = g;
        break;
      }
    if (f !== 'none') out.push({ kind: f, mine: (a) => a.thread === t });
  });
  for (const { step, fairness } of spec?.steps ?? []) {
    const seen = new Set<unknown>();
    for (const th of sys.threads)
      for (const loc of th.program)
        for (const action of loc.actions) {
          const t = sys.threads.indexOf(th);
          const info = sys.stepInfo({ thread: t, location: loc, action });
          const hit = typeof step === 'function' ? step(info) : [info.id, info.label, info.fn, ...info.tags].includes(step);
          if (hit && !seen.has(action)) {
            seen.add(action);
            out.push({ kind: fairness, mine: (a) => a.action === action && a.thread === t });
          }
        }
  }
  return out;
}

const idle = (sys: RefSystem, s: RefState, t: number) => {
  if (s.at[t] === END) return true;
  const loc = sys.location(s, t)!;
  return loc.end === true && !loc.actions.every((a) => (a.tags ?? []).includes('spin'));
};
const isProgress = (a: RefAction, t: number) => a.thread === t && (a.action.tags ?? []).includes('progress');

/** Where a counterexample's loop may go, for one property (one thread for livelock). */
interface Shape {
  node(i: number): boolean;
  edge(a: RefAction): boolean;
  accept?: (i: number) => boolean;
  stutter: boolean;
  /** The states the loop may be entered from: reachable as the property's prefix allows. */
  entry: Set<number>;
}

function reach(g: RefGraph, seeds: number[], ok: (i: number) => boolean): Set<number> {
  const seen = new Set(seeds.filter(ok));
  const queue = [...seen];
  while (queue.length > 0) {
    const i = queue.shift()!;
    for (const { to } of g.out[i]!) if (ok(to) && !seen.has(to)) (seen.add(to), queue.push(to));
  }
  return seen;
}

function shapes(sys: RefSystem, g: RefGraph, p: LivenessProperty): Shape[] {
  const all = reach(g, [0], () => true);
  const P = (i: number) => p.p!(sys.info(g.states[i]!));
  const Q = (i: number) => p.q!(sys.info(g.states[i]!));
  switch (p.form) {
    case 'livelock':
      return sys.threadNames.map((_, t) => ({ node: (i) => !idle(sys, g.states[i]!, t), edge: (a) => !isProgress(a, t), stutter: false, entry: all }));
    case 'eventually': {
      const r = reach(g, [0], (i) => !P(i));
      return [{ node: (i) => r.has(i), edge: () => true, stutter: true, entry: r }];
    }
    case 'always-eventually':
      return [{ node: (i) => !P(i), edge: () => true, stutter: true, entry: all }];
    case 'eventually-always':
      return [{ node: () => true, edge: () => true, accept: (i) => !P(i), stutter: true, entry: all }];
    case 'leads-to': {
      const seeds = [...all].filter((i) => P(i) && !Q(i));
      const r = reach(g, seeds, (i) => !Q(i));
      return [{ node: (i) => r.has(i), edge: () => true, stutter: true, entry: r }];
    }
  }
}

/** Does a fair lasso violating `p` exist? Tries every set of states (small graphs only). */
export function bruteForceViolated(sys: RefSystem, g: RefGraph, p: LivenessProperty): boolean {
  const n = g.states.length;
  if (n > 16) throw new Error(`brute force: ${n} states is too many`);
  const fair = fairOf(sys, p.fairness);
  const enabledIn = (i: number, f: Fair) => g.out[i]!.some((e) => f.mine(e.a));
  for (const sh of shapes(sys, g, p)) {
    const cand = [...sh.entry].filter((i) => sh.node(i) && !g.states[i]!.halted);
    if (sh.stutter) for (const i of cand) if ((!sh.accept || sh.accept(i)) && fair.every((f) => !enabledIn(i, f))) return true;
    for (let mask = 1; mask < 1 << cand.length; mask++) {
      const S = cand.filter((_, k) => mask & (1 << k));
      const inS = new Set(S);
      if (sh.accept && !S.some(sh.accept)) continue;
      const edges = S.flatMap((i) => g.out[i]!.filter((e) => inS.has(e.to) && sh.edge(e.a)).map((e) => ({ from: i, ...e })));
      if (edges.length === 0) continue;
      // Strongly connected: every state reaches every other over the edges inside S.
      const within = (from: number) => {
        const seen = new Set([from]);
        const q = [from];
        while (q.length) {
          const i = q.pop()!;
          for (const e of edges) if (e.from === i && !seen.has(e.to)) (seen.add(e.to), q.push(e.to));
        }
        return seen;
      };
      if (!S.every((i) => within(i).size === S.length)) continue;
      const ok = fair.every((f) => {
        const en = S.map((i) => enabledIn(i, f));
        if (!en.some(Boolean)) return true;
        if (edges.some((e) => f.mine(e.a))) return true;
        return f.kind === 'weak' && en.some((x) => !x);
      });
      if (ok) return true;
    }
  }
  return false;
}

/**
 * Check an engine lasso: replay `path`; the state after `path[0..loop)` is the state after the
 * whole path; the loop is fair; the property's shape holds along it. Returns what is wrong, or ''.
 */
export function lassoProblem(sys: RefSystem, properties: readonly Property[], v: { property: string; path: number[]; loop?: number }): string {
  const p = properties.find((q) => q.name === v.property);
  if (!p || p.kind !== 'liveness') return `no liveness property ${v.property}`;
  if (v.loop === undefined || v.loop < 0 || v.loop > v.path.length) return `bad loop index ${v.loop}`;
  const states: RefState[] = [sys.init];
  const steps: RefAction[] = [];
  for (const [i, c] of v.path.entries()) {
    const s = states[i]!;
    if (s.halted) return `step ${i + 1} from a halted state`;
    const en = sys.enabled(s);
    if (c >= en.length) return `step ${i + 1}: choice ${c} of ${en.length}`;
    steps.push(en[c]!);
    states.push(sys.step(s, en[c]!).state);
  }
  const head = states[v.loop]!;
  const last = states.at(-1)!;
  if (last.halted) return 'the lasso ends in a halted state';
  if (canonical(head) !== canonical(last)) return 'the loop does not lead back to where it starts';
  const loopStates = states.slice(v.loop, Math.max(v.loop + 1, states.length - 1));
  const loopSteps = steps.slice(v.loop);
  const fair = fairOf(sys, p.fairness);
  for (const f of fair) {
    const en = loopStates.map((s) => sys.enabled(s).some((a) => f.mine(a)));
    if (!en.some(Boolean)) continue;
    if (loopSteps.some((a) => f.mine(a))) continue;
    if (f.kind === 'weak' && en.some((x) => !x)) continue;
    return 'the loop is not fair';
  }
  const P = (s: RefState) => p.p!(sys.info(s));
  const Q = (s: RefState) => p.q!(sys.info(s));
  switch (p.form) {
    case 'livelock': {
      if (loopSteps.length === 0) return 'a livelock loop needs steps';
      const starved = sys.threadNames.some((_, t) => loopStates.every((s) => !idle(sys, s, t)) && !loopSteps.some((a) => isProgress(a, t)));
      return starved ? '' : 'every thread idles or makes progress in the loop';
    }
    case 'eventually':
      return states.every((s) => !P(s)) ? '' : 'p holds somewhere on the lasso';
    case 'always-eventually':
      return loopStates.every((s) => !P(s)) ? '' : 'p holds in the loop';
    case 'eventually-always':
      return loopStates.some((s) => !P(s)) ? '' : 'p holds all along the loop';
    case 'leads-to': {
      const k = states.findIndex((s, i) => P(s) && !Q(s) && states.slice(i).every((t) => !Q(t)));
      return k >= 0 ? '' : 'no p-state followed by q never holding';
    }
  }
}
