// The step-application path alone, for instruction counts (bench/README.md, "engine"): run under
// `valgrind --tool=callgrind`, which counts instructions whatever the load, twice with different
// round counts; the difference divided by the extra rounds is the steady cost of one round
// (start-up, module loading and the JIT's first compilations cancel out).
//
//   node dist/bench/apply-path.js check kvm-hotplug 2    # check() twice (the model's defaults)
//   node dist/bench/apply-path.js check lock-hotplug 2   # bench/spin's system, cpus=4 creators=4
//   node dist/bench/apply-path.js apply lock-hotplug 12  # enabled() + apply() over a BFS sample, 12 rounds
//   node dist/bench/apply-path.js variants kvm-hotplug 1 # check() of every variant at its defaults, one process
//   node dist/bench/apply-path.js coverage all           # guards/recipes the step compiler compiles, per model (and why not)
//   node dist/bench/apply-path.js compare all 2000       # compiled steps against the tree path, every bundled model and variant
//   KMC_APPLY_MEMORY=lkmm node dist/bench/apply-path.js apply sched-delayed-dequeue 12   # a model with shared memory under sc, tso or lkmm
//   KMC_APPLY_PARAMS=kvmSenders=1 node dist/bench/apply-path.js compare sched-delayed-dequeue   # other parameter values
//
// Not a section of `npm run bench`: it measures one thing for a before/after comparison, and the
// copy of an older build it is run against needs nothing but this file next to its own dist/.

import { bundled } from '../models/index.js';
import { check } from '../src/engine/check.js';
import { compileModel, compileSteps, type CompiledAction, type CompiledModel } from '../src/model/compile.js';
import { straightRefusal } from '../src/model/straight.js';
import type { ModelDef } from '../src/model/index.js';
import type { Property, PropertySet } from '../src/property/index.js';
import { lockHotplug, lockHotplugProperties } from './spin/lock-hotplug.js';

const [mode = 'check', name = 'kvm-hotplug', roundsArg = '1'] = process.argv.slice(2);
const rounds = Number(roundsArg);
// States in apply's sample (KMC_APPLY_SAMPLE: fewer for a run under valgrind).
const SAMPLE = Number(process.env.KMC_APPLY_SAMPLE ?? 20_000);
// The memory model of a model with shared memory (KMC_APPLY_MEMORY=sc|tso|lkmm, as `kmc check
// --memory`): its `memory` parameter, for every mode; unset, each model's default.
const MEMORY = process.env.KMC_APPLY_MEMORY;
const MEMORY_MODELS = ['sc', 'tso', 'lkmm'];
if (MEMORY !== undefined && !MEMORY_MODELS.includes(MEMORY)) throw new Error(`apply-path: KMC_APPLY_MEMORY=${MEMORY}: expected sc, tso or lkmm`);
// More parameters (KMC_APPLY_PARAMS=kvmSenders=1,vcpus=2: integers), for every mode, where the model declares them.
const EXTRA = (process.env.KMC_APPLY_PARAMS ?? '').split(',').filter(Boolean).map((kv) => {
  const [k, v] = kv.split('=');
  if (k === undefined || v === undefined || !/^-?[0-9]+$/.test(v)) throw new Error(`apply-path: KMC_APPLY_PARAMS: ${kv}: expected name=integer`);
  return [k, Number(v)] as const;
});
/** `params` with the memory model and the parameters asked for, where the model declares them. */
const withMemory = (model: ModelDef, params: Record<string, number>): Record<string, number> => {
  const out = { ...params };
  for (const [k, v] of EXTRA) if (Object.hasOwn(model.params ?? {}, k)) out[k] = v;
  if (MEMORY !== undefined && Object.hasOwn(model.params ?? {}, 'memory')) out['memory'] = MEMORY_MODELS.indexOf(MEMORY);
  return out;
};

function system(): { model: ModelDef; properties: PropertySet | readonly Property[]; params: Record<string, number>; property?: string[] } {
  if (name === 'lock-hotplug') return { model: lockHotplug, properties: lockHotplugProperties, params: { cpus: 4, creators: 4 }, property: ['inconsistent', 'deadlock'] };
  const entry = bundled.find((e) => e.model.name === name);
  if (!entry) throw new Error(`apply-path: no model ${name} (kvm-hotplug, lock-hotplug, or another bundled model)`);
  return { model: entry.model, properties: entry.properties, params: withMemory(entry.model, {}) };
}

function coverage(label: string, model: ModelDef, params: Record<string, number>, why: boolean): void {
  const m = compileSteps(compileModel(model, { params: withMemory(model, params) }));
  const guards = m.allActions.filter((a) => a.guard !== undefined);
  const recipes = m.allActions.filter((a) => a.staticNext !== null);
  const computed = m.allActions.filter((a) => a.staticNext === null);
  const g = guards.filter((a) => a.straightGuard !== undefined).length;
  const r = recipes.filter((a) => a.straightRecipe !== undefined).length;
  const n = computed.filter((a) => a.straightNext !== undefined).length;
  const both = computed.filter((a) => a.straightRecipe !== undefined).length;
  console.log(`| ${label} | ${g} / ${guards.length} | ${r} / ${recipes.length} | ${n} / ${computed.length} (${both} with the recipe) |`);
  if (!why) return;
  const reasons = new Map<string, number>();
  const count = (k: string) => reasons.set(k, (reasons.get(k) ?? 0) + 1);
  // As compile.ts compiles them (a recipe's assertions heard: hear given).
  const ctx = (a: CompiledAction) => ({ layout: m.layout, pcs: m.pcs, self: a.thread, thread: m.threadNames[a.thread]!, threadNames: m.threadNames, hear: () => null });
  for (const a of guards)
    if (a.straightGuard === undefined) count(`guard: ${straightRefusal(a.guard!, ctx(a), true)}`);
  for (const a of m.allActions)
    if (a.straightRecipe === undefined && a.run) {
      const why = straightRefusal(a.run, ctx(a), false);
      if (why !== undefined) count(`recipe: ${why}`);
    }
  for (const a of computed)
    if (a.straightNext === undefined) count(`next: ${straightRefusal(a.def.next as Function, ctx(a), true, m.threads[a.thread]!.ids)}`);
  for (const [k, n] of [...reasons].sort((x, y) => y[1] - x[1])) console.log(`    ${n} ${k}`);
}

if (mode === 'coverage') {
  // `coverage all` (every bundled model at its defaults and bench/spin's system), or one model;
  // a third argument `why` lists the reasons the rest stay on the tree path.
  console.log('| model | guards compiled | recipes compiled (static next) | computed next compiled |\n|---|---:|---:|---:|');
  const why = roundsArg === 'why';
  if (name === 'all' || name === 'lock-hotplug') coverage("bench/spin's lock-hotplug (cpus=4 creators=4)", lockHotplug, { cpus: 4, creators: 4 }, why);
  for (const e of bundled) if (name === 'all' || name === e.model.name) coverage(e.model.name, e.model, {}, why);
  process.exit(0);
}

if (mode === 'compare') {
  // Every bundled model and variant (or `name`), on the compiled JavaScript: the successors,
  // fired/halted and heard assertions of the compiled steps against `straight: false`, over a
  // breadth-first prefix of `rounds` states (default 2,000). Under vitest the models' imports are
  // rewritten (`__vite_ssr_import_1__.preempt_disable`), so the compiler refuses the recipes that
  // call them there: tests/model/straight-bundled.test.ts runs this on dist/ for those.
  const limit = roundsArg === '1' ? 2000 : rounds;
  for (const e of bundled) {
    if (name !== 'all' && name !== e.model.name) continue;
    for (const variant of Object.keys(e.model.variants)) {
      const params = withMemory(e.model, {});
      const m = compileSteps(compileModel(e.model, { variant, params }));
      const tree = compileModel(e.model, { variant, params, straight: false });
      let heard: string[] = [];
      let treeHeard: string[] = [];
      m.hearAssertions((tag) => heard.push(tag));
      tree.hearAssertions((tag) => treeHeard.push(tag));
      const seen = new Set([m.init.join()]);
      const queue = [m.init];
      const out: CompiledAction[] = [];
      const treeOut: CompiledAction[] = [];
      let compiledApplies = 0;
      // Of those, how many the compiled recipe gave up on at run time (the general path ran them).
      let bailedApplies = 0;
      const mismatches: string[] = [];
      // Every compiled guard, on every state (not only at its location), against the model's own
      // guard on the views (the recorder's path); where that throws, the compiled one must bail.
      const rec = m.recorder({ reads: null, writes: null });
      const guarded = m.allActions.filter((a) => a.guard !== undefined);
      const compiledGuards = guarded.filter((a) => a.straightGuard !== undefined);
      let decided = 0;
      while (queue.length > 0 && seen.size < limit && mismatches.length < 5) {
        const st = queue.shift()!;
        for (const a of compiledGuards) {
          const r = a.straightGuard!(st);
          let want: boolean | undefined;
          try {
            want = rec.guard(st, a);
          } catch {
            want = undefined;
          }
          if (want === undefined ? r !== -1 : r >= 0 && (r === 1) !== want) mismatches.push(`guard of ${a.label} at ${m.locationIds(st).join(' ')}: compiled ${r}, guard ${want}`);
          if (r >= 0) decided++;
        }
        const n = m.enabled(st, out);
        const en = out.slice(0, n).map((a) => a.ordinal).join();
        if (en !== treeOut.slice(0, tree.enabled(st, treeOut)).map((a) => a.ordinal).join()) mismatches.push(`enabled at ${m.locationIds(st).join(' ')}`);
        for (let k = 0; k < n; k++) {
          const a = out[k]!;
          heard = [];
          treeHeard = [];
          const d = new Int32Array(m.width);
          const o = m.apply(st, a, d);
          const t = new Int32Array(m.width);
          const to = tree.apply(st, tree.allActions[a.ordinal]!, t);
          if (a.straightRecipe !== undefined) compiledApplies++;
          const got = JSON.stringify([Array.from(d), o.fired, o.halted, heard]);
          if (got !== JSON.stringify([Array.from(t), to.fired, to.halted, treeHeard])) mismatches.push(`${a.label} at ${m.locationIds(st).join(' ')}`);
          // (After the comparison: the compiled recipe reports the tags it evaluates to `heard`.)
          if (a.straightRecipe !== undefined && !a.straightRecipe(st, new Int32Array(m.width))) bailedApplies++;
          if (o.halted) continue;
          const key = d.join();
          if (!seen.has(key)) {
            seen.add(key);
            queue.push(d);
          }
        }
      }
      const recipes = m.allActions.filter((a) => a.run !== undefined);
      const nexts = m.allActions.filter((a) => a.staticNext === null);
      console.log(
        JSON.stringify({
          model: e.model.name, variant, states: seen.size,
          guards: guarded.length, compiledGuards: compiledGuards.length, decided,
          recipes: recipes.length, compiledRecipes: recipes.filter((a) => a.straightRecipe !== undefined).length, compiledApplies, bailedApplies,
          nexts: nexts.length, compiledNexts: nexts.filter((a) => a.straightNext !== undefined).length,
          mismatches,
        }),
      );
    }
  }
  process.exit(0);
}

const s = system();
if (mode === 'check') {
  for (let r = 0; r < rounds; r++) {
    const res = check(s.model, s.properties, { params: s.params, ...(s.property ? { property: s.property } : {}) });
    if (res.status === 'error') throw new Error(res.message);
    console.log(`${name} check: ${res.status}, ${res.stats.states} states, ${res.stats.transitions} transitions, ${Math.round(res.stats.timeMs)} ms`);
  }
} else if (mode === 'apply') {
  const m: CompiledModel = compileModel(s.model, { params: s.params });
  // A breadth-first sample of distinct states (their successors computed once here).
  const states: Int32Array[] = [m.init];
  const seen = new Set<string>([m.init.join(',')]);
  const actions: CompiledAction[] = [];
  for (let i = 0; i < states.length && states.length < SAMPLE; i++) {
    const n = m.enabled(states[i]!, actions);
    for (let k = 0; k < n; k++) {
      const next = new Int32Array(m.width);
      if (m.apply(states[i]!, actions[k]!, next).halted) continue;
      const key = next.join(',');
      if (!seen.has(key)) {
        seen.add(key);
        states.push(next);
      }
    }
  }
  const dst = new Int32Array(m.width);
  let transitions = 0;
  const t = performance.now();
  for (let r = 0; r < rounds; r++)
    for (const state of states) {
      const n = m.enabled(state, actions);
      transitions += n;
      for (let k = 0; k < n; k++) m.apply(state, actions[k]!, dst);
    }
  const ms = performance.now() - t;
  console.log(`${name} apply: ${states.length} states, ${transitions / Math.max(1, rounds)} transitions a round, ${rounds} rounds, ${((ms * 1e6) / Math.max(1, transitions)).toFixed(0)} ns a transition`);
} else if (mode === 'variants') {
  // Many short checks in one process (the small-run case: compile and JIT cost weigh most).
  const before = process.cpuUsage();
  let states = 0;
  for (let r = 0; r < rounds; r++)
    for (const variant of Object.keys(s.model.variants)) {
      const res = check(s.model, s.properties, { params: s.params, variant });
      if (res.status === 'error') throw new Error(res.message);
      states += res.stats.states;
    }
  const cpu = process.cpuUsage(before);
  console.log(`${name} variants: ${Object.keys(s.model.variants).length} variants, ${rounds} rounds, ${states} states, ${Math.round((cpu.user + cpu.system) / 1000)} ms CPU`);
} else throw new Error(`apply-path: mode ${mode}: expected check, apply, variants, coverage or compare`);
