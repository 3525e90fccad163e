// Symmetry reduction and store buffers. Under tso and lkmm each CPU has a store buffer
// (memory.ts), kept in the shared memory's `sb` array, which the model's symmetry declaration
// does not mention: it describes the model's own data. A permutation that swaps two CPUs' threads
// but not their buffers maps a state onto one no run reaches (a CPU would read the other's
// buffered stores as its own), so the reduced search would explore behaviours the model does not
// have and miss some it has. So every symmetry group that permutes CPUs with buffers permutes the
// buffers too: `m.sb` is added to its indexed arrays, entry `c` moving with member `c`. That is
// right only when member `c`'s threads are the ones that use buffer `c` (cpuOf: their local `cpu`,
// else their thread index) and no thread outside the group uses a buffer of a member; otherwise
// the declaration is refused (with --no-symmetry the search needs none). Under sc there are no
// buffers: a declaration that lists them itself (`m.sb`, an empty array then) has them dropped.

import type { CompiledModel } from '../model/compile.js';
import { localsOf } from '../model/locals.js';
import type { SymmetryDef } from '../model/types.js';
import { ModelError } from '../util/errors.js';
import { memoryModelOf, storeBufferPaths, type SharedMemory } from './memory.js';

/** The value at a dotted path of plain data (own keys only), or undefined. */
function at(vars: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' && Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined), vars);
}

/** Is `path` the `sb` of a shared memory with no buffers (sc)? */
function isEmptyBuffers(vars: unknown, path: string): boolean {
  const parent = path === 'sb' ? vars : at(vars, path.replace(/\.sb$/, ''));
  const sb = at(vars, path);
  return (path === 'sb' || path.endsWith('.sb')) && Array.isArray(sb) && sb.length === 0 && parent !== null && typeof parent === 'object' && Object.hasOwn(parent, 'mem') && Object.hasOwn(parent, 'model');
}

/** The declarations with each shared memory's store buffers indexed by CPU; throws a ModelError when buffers cannot follow the members. */
export function withStoreBuffers(model: CompiledModel, decls: readonly SymmetryDef[]): readonly SymmetryDef[] {
  const vars = model.vars(model.init);
  const memories = storeBufferPaths(vars);
  if (memories.length === 0) return decls.map((d) => (d.indexed?.some((p) => isEmptyBuffers(vars, p)) ? { ...d, indexed: d.indexed.filter((p) => !isEmptyBuffers(vars, p)) } : d));
  const buffers = (p: string): number => ((p === '' ? vars : at(vars, p)) as SharedMemory).sb.length;
  // The buffer each thread uses, as cpuOf in memory.ts reads it (the memory thread uses none).
  const cpuOfThread = model.threadNames.map((name, t) => {
    if (model.threads[t]!.kind === 'memory') return -1;
    const cpu = (localsOf(vars, name) as { cpu?: unknown }).cpu;
    return typeof cpu === 'number' ? cpu : t;
  });
  return decls.map((d) => {
    if (d.members.length < 2) return d;
    const where = `model ${model.name}: symmetry '${d.name}' permutes CPUs with store buffers (--memory ${memoryModelOf(model.params)})`;
    const fix = 'each member must be the CPU whose store buffer its threads use (their local `cpu`, else their thread index); or run with --no-symmetry';
    const members = new Set(d.members);
    const own = new Set<number>();
    for (const c of d.members) {
      const names = d.threads?.(c) ?? [];
      if (names.length === 0) throw new ModelError(`${where}, but member ${c} runs no thread: ${fix}`);
      for (const name of names) {
        const t = model.threadNames.indexOf(name);
        if (t < 0) continue; // the canonicaliser names the unknown thread
        own.add(t);
        if (cpuOfThread[t] !== c) throw new ModelError(`${where}, but member ${c}'s thread ${name} uses CPU ${cpuOfThread[t]}'s buffer: ${fix}`);
      }
      for (const p of memories) if (c >= buffers(p)) throw new ModelError(`${where}, but ${p === '' ? '' : `${p}.`}sb has no buffer for member ${c}: ${fix}`);
    }
    cpuOfThread.forEach((c, t) => {
      if (members.has(c) && !own.has(t)) throw new ModelError(`${where}, but thread ${model.threadNames[t]} uses CPU ${c}'s buffer without being one of member ${c}'s threads: ${fix}`);
    });
    const sb = memories.map((p) => (p === '' ? 'sb' : `${p}.sb`)).filter((p) => !(d.indexed ?? []).includes(p));
    return { ...d, indexed: [...(d.indexed ?? []), ...sb] };
  });
}
