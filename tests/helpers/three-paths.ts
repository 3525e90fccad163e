// The step compiler's tests compare three paths on every state they reach: the compiled steps
// (src/model/straight.ts), the scratch tree (`straight: false`) and immer's produce
// (`reference: true`).

import { expect } from 'vitest';
import type { CompiledAction, CompiledModel } from '../../src/model/compile.js';

/** The ordinals of the actions enabled in `s`, or the error a guard threw. */
export function enabledOf(m: CompiledModel, s: Int32Array): number[] | string {
  const out: CompiledAction[] = [];
  try {
    return out.slice(0, m.enabled(s, out)).map((a) => a.ordinal);
  } catch (e) {
    return String(e);
  }
}

/** `s`'s enabled actions on the compiled path, expected the same on the tree path and immer's. */
export function enabledOnAllPaths(fast: CompiledModel, tree: CompiledModel, ref: CompiledModel, s: Int32Array): number[] | string {
  const en = enabledOf(fast, s);
  expect(en).toEqual(enabledOf(tree, s));
  expect(en).toEqual(enabledOf(ref, s));
  return en;
}
