// The step compiler (src/model/straight.ts) on the bundled models: every guard it compiled, the
// gated ones included (the kernel's gates' forAction, onSomeCpu's and cpuCallActions' declared
// forms, inlined), gives the same answer as the model's own guard evaluated on the views (the
// recorder's path, which shares no code with the compiled one), on every state of a breadth-first
// prefix of every variant and for every action of the model (not only those at the thread's
// program counter, so a guard meets states its location never sees); where the model's guard
// throws, the compiled one must have bailed. And the enabled sets and successors (compiled
// recipes and computed next included) equal those of `straight: false`.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundled } from '../../models/index.js';
import { compileModel, compileSteps, type CompiledAction } from '../../src/model/compile.js';

const LIMIT = 250;
/** Per model and variant: the assertions heard in steps whose recipe was compiled. */
const heardBy = new Map<string, number>();

describe('compiled guards on the bundled models', () => {
  const cases = bundled.flatMap((e) => Object.keys(e.model.variants).map((variant) => [e.model.name, variant, e] as const));
  it.each(cases)('%s %s: compiled guards agree with the model guards; enabled sets and successors as on the tree path', (_name, variant, entry) => {
    // Every step compiled now (compileSteps), not on first use, so that every compiled guard is checked below.
    const m = compileSteps(compileModel(entry.model, { variant }));
    const tree = compileModel(entry.model, { variant, straight: false });
    // The WARN_ON/BUG_ON statements each step evaluates (coverage), heard on both paths.
    let heard: string[] = [];
    let treeHeard: string[] = [];
    m.hearAssertions((tag) => heard.push(tag));
    tree.hearAssertions((tag) => treeHeard.push(tag));
    let compiledHeard = 0;
    const rec = m.recorder({ reads: null, writes: null });
    const compiled = m.allActions.filter((a) => a.straightGuard !== undefined);
    // Every bundled model has guards compiled (with gates: gated guards, through the gates' forms).
    expect(compiled.length).toBeGreaterThan(0);
    const seen = new Set([m.init.join()]);
    const queue = [m.init];
    const out: CompiledAction[] = [];
    const treeOut: CompiledAction[] = [];
    let decided = 0;
    while (queue.length > 0 && seen.size < LIMIT) {
      const s = queue.shift()!;
      for (const a of compiled) {
        const r = a.straightGuard!(s);
        let want: boolean;
        try {
          want = rec.guard(s, a);
        } catch {
          expect(r, `${a.label}: the model's guard throws, the compiled one must bail`).toBe(-1);
          continue;
        }
        if (r < 0) continue;
        decided++;
        if ((r === 1) !== want) expect.fail(`${entry.model.name} ${variant}: ${a.label} at ${m.locationIds(s).join(' ')}: compiled ${r}, guard ${want}`);
      }
      const n = m.enabled(s, out);
      expect(out.slice(0, n).map((a) => a.ordinal)).toEqual(treeOut.slice(0, tree.enabled(s, treeOut)).map((a) => a.ordinal));
      for (let k = 0; k < n; k++) {
        const d = new Int32Array(m.width);
        heard = [];
        treeHeard = [];
        const o = m.apply(s, out[k]!, d);
        // The same successor as the tree path's (compiled recipes and computed next included),
        // the same assertions fired and heard.
        const e = new Int32Array(m.width);
        const te = tree.apply(s, tree.allActions[out[k]!.ordinal]!, e);
        expect([Array.from(d), o.fired, o.halted, heard]).toEqual([Array.from(e), te.fired, te.halted, treeHeard]);
        if (out[k]!.straightRecipe !== undefined) compiledHeard += heard.length;
        if (o.halted) continue;
        const key = d.join();
        if (!seen.has(key)) {
          seen.add(key);
          queue.push(d);
        }
      }
    }
    // The compiled guards decided (did not bail) on most evaluations.
    expect(decided).toBeGreaterThan(compiled.length);
    heardBy.set(`${entry.model.name} ${variant}`, compiledHeard);
  });
  it('compiled recipes heard the assertions they evaluated (the BUG_ON of a lock release in the kernel)', () => {
    for (const k of ['pm-freeze driver-suspend', 'kvm-intx-mask v1', 'sched-delayed-dequeue eevdf']) expect(heardBy.get(k), k).toBeGreaterThan(0);
  });
});

// Under vitest the models' imports are rewritten (`__vite_ssr_import_1__.preempt_disable(...)`),
// so the recipes that call an imported kernel function are refused here and the comparison above
// runs the tree path on both sides for them. The same comparison on the compiled JavaScript (dist/,
// built by `npm test` before vitest), where those recipes compile: every bundled model and
// variant, a breadth-first prefix of 2,000 states, successors, fired/halted and heard assertions
// against `straight: false`.
describe('compiled steps on the built models (dist/)', () => {
  it('every bundled model and variant: the compiled guards agree with the model\'s, the compiled steps give the tree path\'s successors; kvm-hotplug, pm-freeze, kvm-intx-mask and xen-remove-from-physmap compile every step at their defaults', () => {
    const out = execFileSync(process.execPath, [fileURLToPath(new URL('../../dist/bench/apply-path.js', import.meta.url)), 'compare', 'all', '2000'], { encoding: 'utf8', timeout: 120_000 });
    type Row = { model: string; variant: string; states: number; guards: number; compiledGuards: number; decided: number; recipes: number; compiledRecipes: number; compiledApplies: number; nexts: number; compiledNexts: number; mismatches: string[] };
    const rows = out.trim().split('\n').map((l) => JSON.parse(l) as Row);
    expect(rows.length).toBe(bundled.reduce((n, e) => n + Object.keys(e.model.variants).length, 0));
    for (const r of rows) {
      expect(r.mismatches, `${r.model} ${r.variant}`).toEqual([]);
      expect(r.compiledApplies, `${r.model} ${r.variant}`).toBeGreaterThan(0);
      // The compiled guards were compared (they decided, on states of every location).
      expect(r.decided, `${r.model} ${r.variant}`).toBeGreaterThan(r.compiledGuards);
    }
    // Every guard, recipe and computed next compiled (kvm-hotplug's freeze_processes guard since
    // session 10: env.threadNames over localsOf; xen's lock-order recipes: a frozen table bound).
    for (const [model, variant] of [['kvm-hotplug', 'v2.6.37'], ['pm-freeze', 'freeze-run-bit'], ['kvm-intx-mask', 'v1'], ['xen-remove-from-physmap', 'x86-as-posted'], ['xen-remove-from-physmap', 'ia64-hunk-on-x86'], ['xen-remove-from-physmap', 'reviewed']]) {
      const r = rows.find((x) => x.model === model && x.variant === variant)!;
      expect([r.compiledGuards, r.compiledRecipes, r.compiledNexts], `${model} ${variant}`).toEqual([r.guards, r.recipes, r.nexts]);
    }
    // sched-delayed-dequeue (x86-TSO, its default): every guard (since session 11 those that read
    // the PI descriptor through READ_ONCE, over the store buffer's capacity, and the x86-TSO drain
    // steps'), every recipe (the stores, fences and RMWs of the descriptor since session 11, the
    // try_cmpxchg_loop ones with their arrow argument inlined), and every computed next.
    const sched = rows.find((x) => x.model === 'sched-delayed-dequeue' && x.variant === 'eevdf')!;
    expect([sched.compiledGuards, sched.guards, sched.compiledRecipes, sched.recipes, sched.compiledNexts, sched.nexts]).toEqual([123, 123, 102, 102, 9, 9]);
  });

  // The same comparison of sched-delayed-dequeue under the other memory models (`--memory sc|lkmm`):
  // under sc no store buffers (the loads read memory), under lkmm the buffers and the pending
  // stores each CPU has seen (lkmm's propagation guards, canReach and drainableTo, and the
  // recipes that store, fence or RMW stay on the tree); and with a KVM software sender under
  // tso, whose stores (vcpu->mode, rcuwait) wait in cpu0's buffer, drained by compiled steps.
  it('sched-delayed-dequeue under sc and lkmm, and with kvmSenders=1: the compiled guards agree with the model\'s, the compiled steps give the tree path\'s successors', () => {
    // (Session 12: every guard of eevdf compiled under lkmm too, and with kvmSenders=1 the two
    // nexts that call afterPost.)
    for (const [memory, params, guards] of [['sc', '', [121, 121]], ['lkmm', '', [137, 137]], ['tso', 'kvmSenders=1', [130, 130]], ['lkmm', 'kvmSenders=1', [160, 160]]] as const) {
      const out = execFileSync(process.execPath, [fileURLToPath(new URL('../../dist/bench/apply-path.js', import.meta.url)), 'compare', 'sched-delayed-dequeue', '2000'], {
        encoding: 'utf8', timeout: 120_000, env: { ...process.env, KMC_APPLY_MEMORY: memory, KMC_APPLY_PARAMS: params },
      });
      const rows = out.trim().split('\n').map((l) => JSON.parse(l) as { variant: string; guards: number; compiledGuards: number; decided: number; recipes: number; compiledRecipes: number; compiledApplies: number; nexts: number; compiledNexts: number; mismatches: string[] });
      expect(rows.length).toBe(3);
      for (const r of rows) {
        expect(r.mismatches, `${memory} ${r.variant}`).toEqual([]);
        expect(r.decided, `${memory} ${r.variant}`).toBeGreaterThan(r.compiledGuards);
      }
      const eevdf = rows.find((r) => r.variant === 'eevdf')!;
      expect([eevdf.compiledGuards, eevdf.guards], memory).toEqual(guards);
      // Every next; every recipe but under lkmm (its strong fences and RMWs stay on the tree).
      expect(eevdf.compiledNexts, `${memory} ${params}`).toBe(eevdf.nexts);
      if (memory !== 'lkmm') expect(eevdf.compiledRecipes, `${memory} ${params}`).toBe(eevdf.recipes);
    }
    // (Four processes of a few seconds each idle; the lkmm rows compile more code.)
  }, 300_000);
});
