// Every reachable state of a compiled model, depth-first, each visited once with its enabled
// actions (for tests that check a claim on every state, independently of the search engine).

import type { CompiledAction, CompiledModel } from '../../src/model/compile.js';

export function forEachReachable(m: CompiledModel<any>, visit: (state: Int32Array, enabled: readonly CompiledAction[]) => void): number {
  const seen = new Set<string>([m.init.join(',')]);
  const queue: Int32Array[] = [m.init];
  const actions: CompiledAction[] = [];
  while (queue.length > 0) {
    const state = queue.pop()!;
    const n = m.enabled(state, actions);
    const enabled = actions.slice(0, n);
    visit(state, enabled);
    for (const a of enabled) {
      const next = new Int32Array(m.width);
      if (m.apply(state, a, next).halted) continue;
      const key = next.join(',');
      if (!seen.has(key)) {
        seen.add(key);
        queue.push(next);
      }
    }
  }
  return seen.size;
}

/**
 * The states of a breadth-first prefix of a compiled model (until `limit` states are stored; a
 * halted successor is not stored), each visited once: for tests that compare compiled code with
 * the model's own functions on a model too large to visit whole.
 */
export function forEachInPrefix(m: CompiledModel<any>, limit: number, visit: (state: Int32Array) => void): void {
  const seen = new Set([m.init.join()]);
  const queue = [m.init];
  const out: CompiledAction[] = [];
  while (queue.length > 0 && seen.size < limit) {
    const s = queue.shift()!;
    visit(s);
    const n = m.enabled(s, out);
    for (let k = 0; k < n; k++) {
      const d = new Int32Array(m.width);
      if (m.apply(s, out[k]!, d).halted) continue;
      const key = d.join();
      if (!seen.has(key)) {
        seen.add(key);
        queue.push(d);
      }
    }
  }
}
