// Shadow expansions in a learning pass (src/engine/reduction/por.ts, SHADOW_EVERY): one state in
// so many of the unreduced prefix goes through the reduced set, the cycle proviso and the rest
// as a reduced pass would (so that the JIT compiles the search with that code's feedback), and
// the pass still follows every action, in the search's order: it stores the very states, parent
// links and choices of a search without partial-order reduction.

import { describe, expect, it } from 'vitest';
import { ExhaustiveChooser } from '../../../src/engine/chooser.js';
import { makeEvaluator } from '../../../src/engine/evaluate.js';
import { StateQueue } from '../../../src/engine/frontier.js';
import { isPlan, planCheck } from '../../../src/engine/plan.js';
import { Reductions } from '../../../src/engine/reduction/reductions.js';
import { searchWithReductions } from '../../../src/engine/reduction/run.js';
import { search } from '../../../src/engine/search.js';
import { FingerprintSet } from '../../../src/engine/visited.js';
import { lockers, lockersProps as props } from '../../fixtures/lockers.js';

describe('shadow expansions in a learning pass', () => {
  it('run the reduced set and still follow every action in the search order', () => {
    const plan = planCheck(lockers(3, 2), props, { property: ['unlocked', 'deadlock'] });
    if (!isPlan(plan)) throw new Error('no plan');
    const { model, all, selected } = plan;
    const searchWith = (red: Reductions | undefined) => {
      const store = new FingerprintSet();
      if (red) red.por!.beginPass('learn', store);
      const out = search(model, makeEvaluator(model, all, selected), {
        frontier: new StateQueue(model.width, 'fifo'),
        store,
        chooser: new ExhaustiveChooser(),
        ...(red ? { reducer: red } : {}),
      });
      return { out, store };
    };
    const plain = searchWith(undefined);
    const red = new Reductions(model, all, selected, { por: true });
    const learning = searchWith(red);
    expect(plain.out.states).toBe(648);
    expect(learning.out.states).toBe(plain.out.states);
    expect(learning.out.transitions).toBe(plain.out.transitions);
    // The same states in the same order: every id has the same parent and choice.
    for (let id = 0; id < plain.store.size; id++) {
      expect(learning.store.parentOf(id)).toBe(plain.store.parentOf(id));
      expect(learning.store.choiceOf(id)).toBe(plain.store.choiceOf(id));
    }
    // And the shadow expansions did compute reduced sets (a learning pass counts them as a
    // reduced pass would, less those the cycle proviso expanded fully).
    expect(red.por!.reducedStates).toBeGreaterThan(0);
  });

  it('are not counted as reduced states when the prefix was the whole search', () => {
    // 648 states: the 20,000-state prefix covers them, and no reduced pass runs.
    const plan = planCheck(lockers(3, 2), props, { property: ['unlocked', 'deadlock'] });
    if (!isPlan(plan)) throw new Error('no plan');
    const r = searchWithReductions(plan.model, plan.all, plan.selected, { por: true });
    expect(r.outcome.states).toBe(648);
    expect(r.summary.por).toBe(false);
    expect(r.summary.reducedStates).toBe(0);
  });
});
