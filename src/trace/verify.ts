// Checking a decoded trace file against its model: every recorded state must be exactly the
// state the model computes when the path is re-executed, and every recorded step must be the
// step the path's choice index selects. The first difference is reported with its step
// number and what differs; nothing in the file is taken on trust.

import type { CompiledModel } from '../model/compile.js';
import { ModelError } from '../util/errors.js';
import { diffStates, type Trace } from './expand.js';
import { TraceFileError, type DecodedTrace, type TraceDivergence } from './itf.js';
import { hasOwnKey } from '../util/own.js';

const SHAPE: TraceDivergence = { kind: 'shape', step: null };

/** The file's variable names must be the model's (plus the program-counter variable). */
export function checkShape(model: CompiledModel, t: DecodedTrace): void {
  const keys = model.layout.root.kind === 'object' ? model.layout.root.keys : [];
  const expected = new Set([t.meta.pcVar, ...keys]);
  const missing = [...expected].filter((k) => !t.vars.includes(k));
  const extra = t.vars.filter((k) => !expected.has(k));
  if (missing.length || extra.length)
    throw new TraceFileError(
      `trace file ${t.file}: its variables do not match model ${model.name}` +
        (missing.length ? `; the model has ${missing.join(', ')}, which the file lacks` : '') +
        (extra.length ? `; the file has ${extra.join(', ')}, which the model lacks` : ''),
      SHAPE,
    );
  const threads = Object.keys(t.states[0]!.locations);
  if (threads.length !== model.threadNames.length || !model.threadNames.every((n) => threads.includes(n)))
    throw new TraceFileError(
      `trace file ${t.file}: its threads (${threads.join(', ')}) are not the threads of model ${model.name} variant ${model.variant} (${model.threadNames.join(', ')})`,
      SHAPE,
    );
}

/** Pack recorded state `i` with the model's layout; a shape error names the state. */
export function packRecorded(model: CompiledModel, t: DecodedTrace, i: number): Int32Array {
  const s = t.states[i]!;
  const names = Object.keys(s.locations);
  if (names.length !== model.threadNames.length || !model.threadNames.every((n) => hasOwnKey(s.locations, n)))
    throw new TraceFileError(`trace file ${t.file}: state ${i}: "${t.meta.pcVar}" must give the location of exactly the threads ${model.threadNames.join(', ')}`, {
      kind: 'state',
      step: i,
    });
  try {
    return model.pack(s.vars, model.threadNames.map((n) => s.locations[n]!));
  } catch (e) {
    if (e instanceof ModelError) throw new TraceFileError(`trace file ${t.file}: state ${i} is not a state of model ${model.name}: ${e.message}`, { kind: 'state', step: i });
    throw e;
  }
}

/**
 * Compare the file's states 0..replayed.steps.length with the re-executed trace. Throws a
 * TraceFileError naming the first step that diverged and how.
 */
export function compareStates(model: CompiledModel, t: DecodedTrace, replayed: Trace): void {
  const n = Math.min(t.states.length - 1, replayed.steps.length);
  for (let i = 0; i <= n; i++) {
    const recorded = packRecorded(model, t, i);
    const computed = i === 0 ? replayed.init : replayed.steps[i - 1]!.state;
    const step = i === 0 ? undefined : replayed.steps[i - 1]!;
    const where = step ? `step ${i} (${step.thread}: '${step.label}')` : 'the initial state';
    if (step) {
      const m = t.states[i]!.meta;
      const claims: string[] = [];
      if (m.thread !== step.thread) claims.push(`thread ${m.thread} ran, but choice ${step.choice} there is a step of ${step.thread}`);
      else if (m.label !== step.label) claims.push(`it ran '${m.label}', but choice ${step.choice} there is '${step.label}'`);
      if (m.location !== step.id && m.thread === step.thread) claims.push(`it was at location '${m.location}', but the model has it at '${step.id}'`);
      if (m.choice !== step.choice) claims.push(`its "#meta"."choice" is ${m.choice}, but the replay path says ${step.choice}`);
      if (m.storeBuffers !== undefined && m.storeBuffers !== step.buffered)
        claims.push(`the store buffers held '${m.storeBuffers}' after it, but the model's hold '${step.buffered ?? '(the model has no store buffers)'}'`);
      if (claims.length) throw new TraceFileError(`trace file ${t.file}: ${where} diverged: the file says ${claims.join('; ')}`, { kind: 'state', step: i });
    }
    const diffs: string[] = [];
    const ids = model.locationIds(computed);
    const recIds = model.locationIds(recorded);
    model.threadNames.forEach((name, k) => {
      if (ids[k] !== recIds[k]) diffs.push(`${name} is at '${recIds[k]}' in the file but at '${ids[k]}' in the model`);
    });
    for (const c of diffStates(model, computed, recorded)) diffs.push(`${c.path} = ${c.after} in the file but ${c.before} in the model`);
    if (diffs.length)
      throw new TraceFileError(
        `trace file ${t.file}: ${where === 'the initial state' ? 'the initial state' : `the state after ${where}`} diverged: ${diffs.join('; ')}`,
        { kind: 'state', step: i },
      );
  }
}
