// The engine runs recipes on packed states (CompiledModel.enabled/apply: the hot path, and a
// footprint recorder's guard/apply: packed-array views that record footprints); a model author
// writes them as immer recipes. This walks a model breadth-first (up to `limit` states) and, for
// every state and every action, checks that each engine path and the plain path (guards on a
// frozen plain state, `produce(vars, d => run(d, env))`, `next` on the result) agree exactly:
// the same enabled actions, the same packed successor, the same next location, the same
// WARN_ON/BUG_ON tags and halt.

import { freeze, produce } from 'immer';
import { expect } from 'vitest';
import { compileModel, PC_END, StepError, type CompiledAction, type CompiledModel } from '../../src/model/compile.js';
import { END, type ModelDef, type ParamValues, type StepEnv } from '../../src/model/index.js';

const BUG = Symbol('BUG_ON in the plain path');

export interface EquivalenceStats {
  states: number;
  transitions: number;
  /** Steps that threw a model error on both paths. */
  errors: number;
}

export function expectViewsMatchProduce(
  def: ModelDef,
  o: { variant?: string; params?: ParamValues } = {},
  limit = 2000,
): EquivalenceStats {
  const model = compileModel(def, o);
  let fired: string[] = [];
  let halted = false;
  const envs: StepEnv[] = model.threadNames.map((thread, self) => ({
    thread,
    self,
    threadNames: model.threadNames,
    local: {},
    warnOn: (cond: boolean, tag: string) => void (cond && fired.push(tag)),
    bugOn: (cond: boolean, tag: string) => {
      if (cond) {
        fired.push(tag);
        halted = true;
        throw BUG;
      }
    },
  }));

  // The engine's paths: `apply` first, then the recorder's views when the model offers them.
  const paths: { name: string; enabled: CompiledModel['enabled']; apply: CompiledModel['apply'] }[] = [{ name: 'apply', enabled: model.enabled, apply: model.apply }];
  // Footprint recording's own views (system.ts FootprintRecorder): its guards and steps.
  const recorder = typeof (model as Partial<CompiledModel>).recorder === 'function' ? model.recorder({ reads: null, writes: null }) : undefined;
  if (recorder)
    paths.push({
      name: 'recorder',
      enabled(state, out) {
        let n = 0;
        model.threads.forEach((t, ti) => {
          const pc = state[ti]!;
          if (pc >= 0) for (const a of t.locations[pc]!.actions) if (recorder.guard(state, a)) out[n++] = a;
        });
        return n;
      },
      apply: recorder.apply,
    });

  const seen = new Set<string>([model.init.join(',')]);
  const queue: Int32Array[] = [model.init];
  const stats: EquivalenceStats = { states: 1, transitions: 0, errors: 0 };
  const actions: CompiledAction[] = [];
  while (queue.length > 0 && seen.size < limit) {
    const state = queue.shift()!;
    const plain = freeze(model.vars(state), true);
    const locations = model.locationIds(state);
    const expectedEnabled = names(enabledPlain(model, state, plain, envs));
    for (const path of paths) {
      const n = path.enabled(state, actions);
      expect(names(actions.slice(0, n)), `${path.name}: enabled actions`).toEqual(expectedEnabled);
    }
    const n = model.enabled(state, actions);
    for (const action of actions.slice(0, n)) {
      stats.transitions++;
      const where = `${model.name}/${model.variant}: ${model.threadNames[action.thread]} '${action.label}' from ${JSON.stringify({ locations, vars: plain })}`;
      const dst = new Int32Array(model.width);
      let outcome: ReturnType<CompiledModel['apply']> | undefined;
      let viewError: unknown;
      for (const path of paths) {
        const out = new Int32Array(model.width);
        let result: ReturnType<CompiledModel['apply']> | undefined;
        let error: unknown;
        try {
          result = path.apply(state, action, out);
        } catch (e) {
          error = e;
        }
        if (path === paths[0]) {
          [outcome, viewError] = [result, error];
          dst.set(out);
        } else {
          // The other engine paths agree with the first exactly (the same words, tags, errors).
          expect(error === undefined ? undefined : String(error), `${path.name}: ${where}`).toBe(viewError === undefined ? undefined : String(viewError));
          if (result) expect({ words: Array.from(out), ...result }, `${path.name}: ${where}`).toEqual({ words: Array.from(dst), ...outcome });
        }
      }
      fired = [];
      halted = false;
      let expected: unknown;
      let nextId: string;
      try {
        const base = envs[action.thread]!;
        expected = produce(plain, (d: unknown) => {
          try {
            // The thread's locals as immer sees them: inside the draft.
            action.def.run?.(d as never, { ...base, local: model.localsOf(d, action.thread) });
          } catch (e) {
            if (e !== BUG) throw e;
          }
        });
        nextId = nextOf(model, action, expected, { ...base, local: model.localsOf(expected, action.thread) });
      } catch (e) {
        expect(viewError, `${where}: only the plain path threw: ${String(e)}`).toBeInstanceOf(StepError);
        stats.errors++;
        continue;
      }
      if (viewError !== undefined) throw new Error(`${where}: only the view path threw: ${String(viewError)}`);
      const nextLocations = [...locations];
      nextLocations[action.thread] = nextId;
      expect(model.vars(dst), where).toEqual(expected);
      expect(model.locationIds(dst), where).toEqual(nextLocations);
      // Canonical packing: the plain result packs to exactly the words the views wrote.
      expect(Array.from(dst), where).toEqual(Array.from(model.pack(expected, nextLocations)));
      expect({ fired: outcome!.fired, halted: outcome!.halted }, where).toEqual({ fired, halted });
      const key = dst.join(',');
      if (!outcome!.halted && !seen.has(key)) {
        seen.add(key);
        queue.push(dst);
      }
    }
  }
  stats.states = seen.size;
  return stats;
}

function names(actions: readonly CompiledAction[]): string[] {
  return actions.map((a) => `${a.thread}:${a.location}:${a.alt}`);
}

/** The enabled actions by evaluating the guards on the frozen plain state. */
function enabledPlain(model: CompiledModel, state: Int32Array, plain: unknown, envs: StepEnv[]): CompiledAction[] {
  const out: CompiledAction[] = [];
  for (let t = 0; t < model.pcs; t++) {
    if (state[t] === PC_END) continue;
    const env = { ...envs[t]!, local: model.localsOf(plain, t) };
    for (const a of model.threads[t]!.locations[state[t]!]!.actions) if (!a.def.guard || a.def.guard(plain, env)) out.push(a);
  }
  return out;
}

/** Where the thread goes after `action`, from the ActionDef (not from the compiled form). */
function nextOf(model: CompiledModel, action: CompiledAction, after: unknown, env: StepEnv): string {
  const locations = model.threads[action.thread]!.locations;
  const n = action.def.next;
  if (n === undefined) return action.location + 1 < locations.length ? locations[action.location + 1]!.id : END;
  return typeof n === 'string' ? n : n(after, env);
}
