// The model↔engine contract (src/model/system.ts): the search core, the evaluator, the path
// follower and replay run a transition system written by hand against the interface alone,
// with no compiled model behind it (no layout, no threads' programs, no definition).

import { describe, expect, it } from 'vitest';
import { ExhaustiveChooser } from '../../src/engine/chooser.js';
import { makeEvaluator } from '../../src/engine/evaluate.js';
import { StateQueue } from '../../src/engine/frontier.js';
import { evaluatePath } from '../../src/engine/replay.js';
import { search } from '../../src/engine/search.js';
import { FingerprintSet } from '../../src/engine/visited.js';
import { uniformChooser, walk } from '../../src/engine/walk.js';
import { END } from '../../src/model/types.js';
import type { Step, StepOutcome, TransitionSystem } from '../../src/model/system.js';
import { assertion, deadlockFree, invariant } from '../../src/property/index.js';
import type { Property } from '../../src/property/types.js';
import { followPath } from '../../src/trace/follow.js';
import { UsageError } from '../../src/util/errors.js';

type Vars = { x: number };

/**
 * Two threads, each `steps` times `x += 1` (state: pc0, pc1, x; a pc of -1: ended). With
 * `stuck`, thread 1's second step waits for x >= 100, which never holds: a deadlock once
 * thread 0 is done. With `warn`, every step evaluates WARN_ON(x == 3), tag `three`.
 */
function counters(steps: number, { stuck = false, warn = false } = {}): TransitionSystem<Step, Vars> {
  const acts: Step[][] = [0, 1].map((t) =>
    Array.from({ length: steps }, (_, k) => ({ thread: t, id: `s${k}`, label: `inc: x += 1 (${k})`, fn: 'inc', tags: [], ordinal: t * steps + k })),
  );
  let listener: ((tag: string) => void) | null = null;
  const vars: Vars = { x: 0 };
  const enabledIn = (s: Int32Array, t: number) => s[t]! >= 0 && !(stuck && t === 1 && s[1] === 1 && s[2]! < 100);
  return {
    name: 'counters',
    variant: stuck ? 'stuck' : 'free',
    params: { steps },
    threadNames: ['t0', 't1'],
    stepCount: 2 * steps,
    width: 3,
    init: Int32Array.of(0, 0, 0),
    enabled(s, out) {
      let n = 0;
      for (let t = 0; t < 2; t++) if (enabledIn(s, t)) out[n++] = acts[t]![s[t]!]!;
      return n;
    },
    apply(src, a, dst): StepOutcome {
      dst.set(src);
      dst[2] = src[2]! + 1;
      dst[a.thread] = src[a.thread]! + 1 < steps ? src[a.thread]! + 1 : -1;
      if (!warn) return { fired: [], halted: false };
      listener?.('three');
      return { fired: src[2] === 3 ? ['three'] : [], halted: false };
    },
    isDeadlock: (s, n) => n === 0 && (s[0]! >= 0 || s[1]! >= 0),
    blocked: (s) => (s[1]! >= 0 ? [{ thread: 't1', at: `s${s[1]}`, label: 'wait: x >= 100', waitsFor: 'x >= 100' }] : []),
    view(s) {
      vars.x = s[2]!;
      return vars;
    },
    unchanged(s, who) {
      if (vars.x !== s[2]) throw new Error(`${who} wrote to the state`);
    },
    locationId: (s, t) => (s[t]! < 0 ? END : `s${s[t]}`),
    fnAt: (s, t) => (s[t]! < 0 ? '' : 'inc'),
    localsOf: () => ({}),
    hearAssertions(l) {
      listener = l;
    },
  };
}

const xBelow = (k: number) => invariant<Vars>(`x-below-${k}`, `x stays below ${k}`, (s) => s.vars.x < k) as Property;
const three = assertion('three', 'WARN_ON(x == 3)') as Property;

function exhaustive(sys: TransitionSystem<Step, Vars>, props: Property[]) {
  const evaluator = makeEvaluator(sys, props, props);
  return search(sys, evaluator, { frontier: new StateQueue(sys.width, 'fifo'), store: new FingerprintSet(), chooser: new ExhaustiveChooser() });
}

describe('the engine runs a transition system built from the contract alone', () => {
  it('search: (k+1)^2 states and 2k(k+1) transitions for two threads of k independent steps', () => {
    // x is the sum of the program counters, so a state is a pair of counters (0..k, ended = k).
    for (const k of [1, 2, 3]) {
      const out = exhaustive(counters(k), [xBelow(2 * k + 1), deadlockFree() as Property]);
      expect(out.error).toBeUndefined();
      expect(out.violations).toEqual([]);
      expect([out.states, out.transitions, out.diameter]).toEqual([(k + 1) ** 2, 2 * k * (k + 1), 2 * k]);
    }
  });

  it('search: invariants, assertions and deadlock found at the least depth, with coverage from stepCount and ordinals', () => {
    const out = exhaustive(counters(3, { warn: true }), [xBelow(5), three]);
    expect(out.violations.map((v) => [v.property.name, v.path.length])).toEqual([
      ['three', 4],
      ['x-below-5', 5],
    ]);
    expect(out.coverage?.fired.reduce((a, b) => a + b, 0)).toBe(out.transitions);
    expect(out.coverage?.exercised).toEqual([true, true]);
    const dead = exhaustive(counters(2, { stuck: true }), [deadlockFree() as Property]);
    expect(dead.violations.map((v) => [v.property.name, v.path.length, v.blocked?.[0]?.waitsFor])).toEqual([['deadlock', 3, 'x >= 100']]);
  });

  it('the path follower and replay evaluation follow a path on it, checking every choice', () => {
    const sys = counters(3, { warn: true });
    expect([...followPath(sys, [0, 1, 0])]).toEqual([2, 1, 3]);
    expect(() => followPath(sys, [0, 0, 0, 1])).toThrow(UsageError);
    const e = evaluatePath(sys, makeEvaluator(sys, [xBelow(5), three], [xBelow(5), three]), [0, 0, 0, 0, 0, 0]);
    expect(e.stop).toBeUndefined();
    expect(e.states).toHaveLength(7);
    expect(e.violations.map((v) => [v.property.name, v.step])).toEqual([
      ['three', 4],
      ['x-below-5', 5],
    ]);
    const cut = evaluatePath(sys, makeEvaluator(sys, [three], []), [0, 0, 0, 0, 0, 0, 0]);
    expect(cut.error).toBeUndefined();
    expect(cut.stop).toEqual({ kind: 'not-enabled', step: 7, choice: 0, enabled: 0 });
  });

  it('a random walk on it runs to the end of every thread', () => {
    const sys = counters(4);
    const out = walk(sys, makeEvaluator(sys, [], []), uniformChooser(7), { maxDepth: 100 });
    expect([out.states, out.diameter]).toEqual([9, 8]);
  });
});
