// The pool validates the plan once: the plan is the one source of what is checked (variant,
// parameters, properties, step semantics), every worker task says what it says, and options
// that contradict a plan the caller hands in are an error result, never a check of something else.

import { afterAll, describe, expect, it } from 'vitest';
import { isPlan, planCheck } from '../../src/engine/plan.js';
import { ParallelChecker } from '../../src/parallel/index.js';
import type { CheckResult } from '../../src/engine/result.js';
import { abba, abbaProps } from '../fixtures/textbook.js';
import { lostUpdateTarget } from '../fixtures/parallel/targets.js';
import whichPath, { properties as whichPathProps } from '../fixtures/parallel/which-path.js';
import { fileURLToPath } from 'node:url';

const checker = new ParallelChecker(2);
afterAll(() => checker.close());

const plan = planCheck(lostUpdateTarget.model, lostUpdateTarget.properties, { variant: 'atomic', params: { threads: 3 } });
if (!isPlan(plan)) throw new Error('lost-update must plan');
const target = { ...lostUpdateTarget, plan };
const message = (r: CheckResult) => (r.status === 'error' ? r.message : `no error: ${r.status}`);
/** The result of a search (not an error), to read its statistics. */
function searched(r: CheckResult): Exclude<CheckResult, { status: 'error' }> {
  if (r.status === 'error') throw new Error(r.message);
  return r;
}

describe('the pool checks what the plan says', () => {
  it('the workers compile the plan (variant, parameters, properties), not a default: the same result as check() of the plan', async () => {
    const r = searched(await checker.check(target, {}));
    expect(r.status).toBe('verified');
    expect(r.run).toEqual({ model: 'lost-update', variant: 'atomic', params: { threads: 3 } });
    const seq = searched(await checker.checkSequential(target, {}));
    expect(r.stats.states).toBe(seq.stats.states);
    // A plan that selects one property: the workers check that one alone.
    const one = planCheck(lostUpdateTarget.model, lostUpdateTarget.properties, { variant: 'racy', params: { threads: 3 }, property: ['deadlock'] });
    if (!isPlan(one)) throw new Error('plan');
    const r1 = searched(await checker.check({ ...lostUpdateTarget, plan: one }, {}));
    expect(r1.properties.map((p) => p.name)).toEqual(['deadlock']);
  });

  it('options that agree with the plan are accepted (the CLI passes them as given: strings for parameters)', async () => {
    const r = await checker.check(target, { variant: 'atomic', params: { threads: '3' } });
    expect(r.status).toBe('verified');
  });

  it('options that contradict it are an error result naming each difference', async () => {
    expect(message(await checker.check(target, { variant: 'racy' }))).toMatch(/the check's options contradict its plan: variant racy \(the plan's is atomic\)/);
    expect(message(await checker.check(target, { params: { threads: 2 } }))).toMatch(/parameter threads=2 \(the plan's is threads=3\)/);
    expect(message(await checker.check(target, { params: { cpus: 2 } }))).toMatch(/parameter cpus=2 \(the plan has no such parameter\)/);
    expect(message(await checker.check(target, { property: ['deadlock'] }))).toMatch(/properties deadlock \(the plan checks /);
    expect(message(await checker.check(target, { reference: true }))).toMatch(/reference step semantics \(the plan's model runs steps on the fast path\)/);
    expect(message(await checker.checkSequential(target, { variant: 'racy' }))).toMatch(/variant racy/);
    const other = planCheck(abba, abbaProps, {});
    if (!isPlan(other)) throw new Error('plan');
    expect(message(await checker.check({ ...lostUpdateTarget, plan: other }, {}))).toMatch(/the plan is of model abba, the target's model is lost-update/);
  });

  it('--reference in the parallel search: the workers compile the model with immer produce, with the same counts', async () => {
    const fast = searched(await checker.check(lostUpdateTarget, { variant: 'racy', params: { threads: 3 } }));
    const ref = planCheck(lostUpdateTarget.model, lostUpdateTarget.properties, { variant: 'racy', params: { threads: 3 }, reference: true });
    if (!isPlan(ref)) throw new Error('plan');
    expect(ref.model.reference).toBe(true);
    const r = searched(await checker.check({ ...lostUpdateTarget, plan: ref }, { reference: true }));
    expect(r.status).toBe(fast.status);
    expect([r.stats.states, r.stats.transitions]).toEqual([fast.stats.states, fast.stats.transitions]);
    if (r.status !== 'violated' || fast.status !== 'violated') throw new Error('racy must be violated');
    expect(r.violations.map((v) => [v.property, v.path])).toEqual(fast.violations.map((v) => [v.property, v.path]));
    // The workers' steps really ran under produce: a model that sees its draft says so.
    const which = { model: whichPath, properties: whichPathProps, source: { kind: 'file' as const, module: fileURLToPath(new URL('../fixtures/parallel/which-path.ts', import.meta.url)) } };
    const planned = (reference: boolean) => {
      const p = planCheck(whichPath, whichPathProps, { reference });
      if (!isPlan(p)) throw new Error('plan');
      return { ...which, plan: p };
    };
    expect((await checker.check(planned(false), {})).status).toBe('verified');
    expect((await checker.check(planned(true), { reference: true })).status).toBe('violated');
    expect((await checker.checkSequential(planned(true), { reference: true })).status).toBe('violated');
  });
});
