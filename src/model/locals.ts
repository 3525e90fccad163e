// Thread-local variables in the packed state.
//
// A thread's locals (ThreadDef.locals) are state like any global: they sit in the layout under
// `$local.<thread name>`, so they are fingerprinted, compared, shown in traces and unpacked by
// `vars()`, and every engine path (scratch objects, views, immer in the reference semantics)
// handles them without knowing they are special. What is special is who sees them: a step's
// guard, recipe and `next` get their own thread's locals as `env.local`, and nothing else does.
// The slot -> owner table (`localOwners`) is what partial-order reduction reads: a step whose
// footprint is its own program counter and its own thread's locals is independent of every
// other thread's steps and invisible to every property that reads no locals.
//
// A model whose threads declare no locals has no `$local` key at all: its layout, its packed
// states and its counts are what they were before locals existed.

import { ModelError } from '../util/errors.js';
import type { Layout, LayoutNode, StateData } from './layout.js';
import type { ThreadDef } from './types.js';

/** The key of the locals in the state's root object. */
export const LOCALS_KEY = '$local';

const NO_LOCALS: object = Object.freeze({});

/** The model's initial state with the threads' locals added (unchanged when no thread has any). */
export function withLocals(model: string, init: object, threads: readonly ThreadDef<any, any>[]): StateData {
  if (Object.prototype.hasOwnProperty.call(init, LOCALS_KEY))
    throw new ModelError(`model ${model}: the state may not have a key '${LOCALS_KEY}' (it holds the threads' local variables)`);
  const locals: Record<string, StateData> = {};
  for (const t of threads) {
    if (t.locals === undefined) continue;
    if (t.locals === null || typeof t.locals !== 'object' || Array.isArray(t.locals))
      throw new ModelError(`model ${model}: thread ${t.name}: locals must be an object of state data`);
    locals[t.name] = t.locals as StateData;
  }
  if (Object.keys(locals).length === 0) return init as StateData;
  return { ...(init as Record<string, StateData>), [LOCALS_KEY]: locals };
}

/** Thread `name`'s locals inside `vars` (a scratch object, a view or plain data); `{}` when it has none. */
export function localsOf(vars: unknown, name: string): object {
  const all = (vars as Record<string, unknown>)[LOCALS_KEY] as Record<string, object> | undefined;
  if (all === undefined || !Object.prototype.hasOwnProperty.call(all, name)) return NO_LOCALS;
  return all[name]!;
}

/** For each variable slot of `layout`: the index of the thread whose local it is, or -1 for a global. */
export function localOwners(layout: Layout, threadNames: readonly string[]): Int32Array {
  const owners = new Int32Array(layout.size).fill(-1);
  const root = layout.root;
  if (root.kind !== 'object') return owners;
  const locals = root.fields.get(LOCALS_KEY);
  if (locals === undefined || locals.kind !== 'object') return owners;
  for (const [name, node] of locals.fields) {
    const t = threadNames.indexOf(name);
    const width = node.kind === 'object' || node.kind === 'array' ? node.width : 1;
    for (let s = 0; s < width; s++) owners[node.offset + s] = t;
  }
  return owners;
}

/** The layout node of thread `name`'s locals, if it has any. */
export function localsNode(layout: Layout, name: string): LayoutNode | undefined {
  const root = layout.root;
  const locals = root.kind === 'object' ? root.fields.get(LOCALS_KEY) : undefined;
  return locals?.kind === 'object' ? locals.fields.get(name) : undefined;
}

/** The variable slots of thread `name`'s locals, in layout order (empty when it has none). */
export function localSlots(layout: Layout, name: string): number[] {
  const node = localsNode(layout, name);
  if (node === undefined) return [];
  const width = node.kind === 'object' || node.kind === 'array' ? node.width : 1;
  return Array.from({ length: width }, (_, i) => node.offset + i);
}

/**
 * Is a footprint (variable slots a step read or wrote, as layout offsets; program counters, which
 * footprints record as negative numbers, are skipped) made of thread `thread`'s own locals only?
 * Such a step commutes with every other thread's steps, and no property that reads no locals
 * can see it (issue 15's partial-order reduction).
 */
export function onlyOwnLocals(owner: Int32Array, thread: number, slots: Iterable<number>): boolean {
  for (const s of slots) if (s >= 0 && owner[s] !== thread) return false;
  return true;
}
