// Expanding a path (the choice index at each step) into a trace: the states, and for each step
// the thread, the statement and the variables it changed. Every index is checked against the
// enabled actions of the state it is taken from (follow.ts): nothing is trusted.

import type { CompiledModel } from '../model/compile.js';
import { followPath } from './follow.js';
import { storeBuffersIn } from '../kernel/memory.js';

export interface Change {
  /** Dotted path of the variable, e.g. `cpus_hardware_enabled[1]`. */
  path: string;
  before: number | boolean;
  after: number | boolean;
}

export interface TraceStep {
  /** 1-based step number. */
  index: number;
  choice: number;
  thread: string;
  threadIndex: number;
  /** Location id of the step. */
  id: string;
  label: string;
  fn: string;
  /** Where the thread goes next (location id or END). */
  nextId: string;
  changes: Change[];
  /** WARN_ON/BUG_ON tags that fired in this step. */
  fired: string[];
  state: Int32Array;
  /**
   * Under a weak memory model (src/kernel/memory.ts): the stores still in some CPU's store buffer
   * after this step (`cpu0: x=1`; '' when every buffer is empty). Absent without store buffers.
   */
  buffered?: string;
}

export interface Trace {
  model: string;
  variant: string;
  params: Record<string, number | boolean>;
  path: number[];
  init: Int32Array;
  steps: TraceStep[];
}

export function expandPath(model: CompiledModel, path: readonly number[]): Trace {
  const steps: TraceStep[] = [];
  const buffered = storeBuffersIn(model.vars(model.init)) !== undefined;
  followPath(model, path, ({ index, choice, before, action, after, outcome }) =>
    steps.push({
      ...(buffered ? { buffered: storeBuffersIn(model.vars(after))! } : {}),
      index,
      choice,
      thread: model.threadNames[action.thread]!,
      threadIndex: action.thread,
      id: action.id,
      label: action.label,
      fn: action.fn,
      nextId: model.locationIds(after)[action.thread]!,
      changes: diffStates(model, before, after),
      fired: outcome.fired,
      state: after,
    }),
  );
  return { model: model.name, variant: model.variant, params: { ...model.params }, path: [...path], init: model.init, steps };
}

/**
 * A counterexample's trace: the one its result carries (the check expands every counterexample
 * once, src/engine/result-builder.ts), else expanded from its path (a violation built by hand).
 */
export function traceOf(model: CompiledModel, v: { path: readonly number[]; trace?: Trace | undefined }): Trace {
  return v.trace ?? expandPath(model, v.path);
}

/** The variables that differ between two packed states (program counters excluded). */
export function diffStates(model: CompiledModel, a: Int32Array, b: Int32Array): Change[] {
  const out: Change[] = [];
  const { paths, kinds } = model.layout;
  for (let i = 0; i < paths.length; i++) {
    const x = a[model.pcs + i]!;
    const y = b[model.pcs + i]!;
    if (x !== y) {
      const bool = kinds[i] === 'bool';
      out.push({ path: paths[i]!, before: bool ? x !== 0 : x, after: bool ? y !== 0 : y });
    }
  }
  return out;
}
