// Generated step code handed from one thread to another (straight.ts generatedFor/seedGenerated;
// the pool hands the command thread's code to its workers: tests/parallel/handoff.test.ts). A
// thread seeded with another's code generates nothing for the same model and runs the same
// steps; an entry is used only under the key the seeded thread derives itself, so code for a
// model that differs in anything the code depends on (here a bound constant, the layout) is
// never used for it; a set of entries not of the expected shape is ignored as a whole.
// forgetGenerated() stands for a new thread (an empty cache).

import { afterEach, describe, expect, it } from 'vitest';
import { check as checkOrError, type CheckOptions } from '../../src/engine/check.js';
import type { PropertySet } from '../../src/property/types.js';
import { compileModel, compileSteps, type CompiledModel } from '../../src/model/compile.js';
import type { ModelDef } from '../../src/model/index.js';
import { boundConstantModel as model } from '../fixtures/bound-constant.js';
import { declareStraight, forgetGenerated, generatedFor, seedGenerated, straightCounts } from '../../src/model/straight.js';
import { choice, defineModel, spawn, threadKind } from '../../src/model/index.js';
import { memoryThreads, sharedMemory, smp_mb, WRITE_ONCE, xchg, type SharedMemory } from '../../src/kernel/memory.js';
import { bundled } from '../../models/index.js';

/** Every step compiled now: the generator's and the seeds' counts while doing it. */
function compileAll(def: ModelDef<any>, options: { variant?: string } = {}): { m: CompiledModel; generated: number; seeded: number } {
  const before = { ...straightCounts };
  const m = compileSteps(compileModel(def, options));
  return { m, generated: straightCounts.generated - before.generated, seeded: straightCounts.seeded - before.seeded };
}

/** check(), its error result a test failure. */
function check(def: ModelDef<any>, properties: PropertySet | [], options: CheckOptions) {
  const r = checkOrError(def, properties, options);
  if (r.status === 'error') throw new Error(r.message);
  return r;
}

/** Two CPUs storing, exchanging and fencing under lkmm (its forms call shared functions), with the memory model's threads. */
function fenced(): ModelDef<any> {
  type S = { m: SharedMemory<{ x: number; y: number }>; a: number };
  const names = { WRITE_ONCE, xchg, smp_mb };
  const run = declareStraight(new Function(...Object.keys(names), `'use strict'; return (d, env) => { WRITE_ONCE(d.m, 'x', d.a + 1, env); d.a = xchg(d.m, 'y', env.self + 1, env) & 1; smp_mb(d.m, env); env.local.k += 1; };`)(...Object.values(names)), { bind: names });
  const w = threadKind<S, { k: number }>('w', { k: 0 }, [choice<S, { k: number }>('l0', [{ label: 'r', guard: (_s: S, env: { local: { k: number } }) => env.local.k < 2, run, next: 'l0' }] as any)]);
  return defineModel<S>({
    name: 'handoff-fences',
    doc: 'lkmm fences and RMWs',
    params: {},
    variants: { v: 'only' },
    build: () => {
      const init: S = { m: sharedMemory({ memory: 2, storeBuffer: 2 }, { x: 0, y: 0 }, 2), a: 0 };
      return { init, threads: [spawn(w, 'p'), spawn(w, 'q'), ...memoryThreads(init, (s) => s.m)] };
    },
  });
}

const compiledSteps = (m: CompiledModel) => m.allActions.filter((a) => a.straightGuard !== undefined).length + m.allActions.filter((a) => a.straightRecipe !== undefined).length;

afterEach(() => forgetGenerated());

describe('generated step code handed to another thread', () => {
  it('a thread seeded with the code for a bundled model generates nothing for it, compiles the same steps and finds the same states', () => {
    const def = bundled.find((e) => e.model.name === 'kvm-hotplug')!.model;
    const variant = Object.keys(def.variants)[0]!;
    forgetGenerated();
    const first = compileAll(def, { variant });
    expect(first.generated).toBeGreaterThan(100);
    const code = generatedFor(first.m.layout);
    // Through structured clone, as a worker message carries it.
    const sent = structuredClone(code);
    const plain = check(def, bundled.find((e) => e.model.name === 'kvm-hotplug')!.properties, { variant, maxStates: 3000 });

    forgetGenerated();
    expect(seedGenerated(sent)).toBe(code.entries.length);
    const seeded = compileAll(def, { variant });
    expect(seeded.generated).toBe(0);
    expect(seeded.seeded).toBe(first.generated);
    expect(compiledSteps(seeded.m)).toBe(compiledSteps(first.m));
    const again = check(def, bundled.find((e) => e.model.name === 'kvm-hotplug')!.properties, { variant, maxStates: 3000 });
    expect(again.status).toBe(plain.status);
    expect(again.stats.states).toBe(plain.stats.states);
    expect(again.stats.transitions).toBe(plain.stats.transitions);
    expect(again.properties).toEqual(plain.properties);
  });

  it('a thread seeded with the code of a model with shared functions (lkmm fences and RMWs: memory.ts) runs them: the same states', () => {
    const def = fenced();
    forgetGenerated();
    const first = compileAll(def);
    const code = generatedFor(first.m.layout);
    // The shared functions travel with their entries (seedGenerated dropped them: every step that
    // called one threw a ReferenceError in the seeded thread).
    expect(code.entries.some(([, g]) => typeof g !== 'string' && g.shared !== undefined)).toBe(true);
    const sent = structuredClone(code);
    const plain = check(def, [], { maxStates: 3000 });

    forgetGenerated();
    expect(seedGenerated(sent)).toBe(code.entries.length);
    const seeded = compileAll(def);
    expect(seeded.generated).toBe(0);
    const again = check(def, [], { maxStates: 3000 });
    expect(again.stats.states).toBe(plain.stats.states);
    expect(again.stats.transitions).toBe(plain.stats.transitions);
  });

  it('code for a model that differs in a bound constant or the layout is not used: the thread generates its own', () => {
    forgetGenerated();
    const one = compileAll(model(1));
    const code = structuredClone(generatedFor(one.m.layout));
    expect(code.entries.length).toBeGreaterThan(0);
    // K = 2: only the guard reading K differs (the recipes' code is the same, and is taken);
    // three slots: another layout, so every key differs.
    for (const [other, own] of [
      [model(2), 1],
      [model(1, 3), one.generated],
    ] as const) {
      forgetGenerated();
      expect(seedGenerated(code)).toBe(code.entries.length);
      const c = compileAll(other);
      expect(c.generated, 'an entry was used under a key this model does not derive').toBe(own);
      expect(c.seeded).toBe(one.generated - own);
      // And what it runs is its own code: the same states as the reference semantics (no compiled steps).
      expect(check(other, [], {}).stats.states).toBe(check(other, [], { reference: true }).stats.states);
    }
    // The same model again takes them all.
    forgetGenerated();
    seedGenerated(code);
    const same = compileAll(model(1));
    expect(same.generated).toBe(0);
    expect(same.seeded).toBe(one.generated);
  });

  it('an entry handed over under a key no model here derives is never run', () => {
    forgetGenerated();
    const one = compileAll(model(1));
    const code = structuredClone(generatedFor(one.m.layout));
    // Every key changed in its last character: bodies that would throw if they ever ran.
    const foreign = { ...code, entries: code.entries.map(([k]) => [`${k}~`, { body: 'throw new Error("foreign code ran");', temps: [], sites: [] }]) };
    forgetGenerated();
    expect(seedGenerated(foreign)).toBe(code.entries.length);
    const c = compileAll(model(1));
    expect(c.seeded).toBe(0);
    expect(c.generated).toBe(one.generated);
    expect(check(model(1), [], {}).status).toBe('verified');
  });

  it('entries not of the expected shape are ignored as a whole, and the thread generates', () => {
    forgetGenerated();
    const one = compileAll(model(1));
    const code = structuredClone(generatedFor(one.m.layout));
    const [k0, g0] = code.entries[0]!;
    const broken: unknown[] = [
      undefined,
      null,
      'code',
      { ...code, format: 'kmc-straight-code 0' },
      { ...code, entries: 'x' },
      { ...code, entries: [...code.entries, [k0]] },
      { ...code, entries: [...code.entries, [1, g0]] },
      { ...code, entries: [...code.entries, [k0, { body: 1, temps: [], sites: [] }]] },
      { ...code, entries: [...code.entries, [k0, { body: '', temps: [1], sites: [] }]] },
      { ...code, entries: [...code.entries, [k0, { body: '', temps: [] }]] },
    ];
    for (const b of broken) {
      forgetGenerated();
      expect(seedGenerated(b), JSON.stringify(b)?.slice(0, 80)).toBe(0);
      const c = compileAll(model(1));
      expect(c.seeded).toBe(0);
      expect(c.generated).toBe(one.generated);
    }
  });
});
