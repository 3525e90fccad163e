// The generated step code's run-time helpers (what it calls: ix, iset, bset, bail; the BAIL it
// throws) and the wrappers that make a function of a guard's, a computed next's or a recipe's
// generated code (src/model/straight.ts generates the code; src/model/straight/cache.ts keeps
// the functions by their code).

import { cached, type Generated } from './cache.js';

/** Thrown by generated code to give up; caught in the generated wrapper. */
const BAIL: unique symbol = Symbol('bail');
/** What a compiled recipe copies its state with (makeRecipe). */
const COPY = Int32Array.prototype.set;

// ---- the generated code's helpers ------------------------------------------------------------

function ix(i: unknown, n: number): number {
  if (typeof i !== 'number' || i >>> 0 !== i || i >= n) throw BAIL;
  return i;
}
function iset(t: Int32Array, o: number, v: unknown): unknown {
  if (typeof v !== 'number' || (v | 0) !== v || Object.is(v, -0)) throw BAIL;
  t[o] = v;
  return v;
}
function bail(): never {
  throw BAIL;
}
function bset(t: Int32Array, o: number, v: unknown): unknown {
  if (typeof v !== 'boolean') throw BAIL;
  t[o] = v ? 1 : 0;
  return v;
}

// ---- the wrappers ------------------------------------------------------------------------------

/** What a compiled computed next returns when it bails. */
export const NEXT_BAIL = -2;

/** A guard's (or a property's) function: 1 holds, 0 does not, -1 bailed. */
export const makeGuard = (g: Generated): Function => {
  const lets = g.temps.length ? `let ${g.temps.join(', ')};` : '';
  const code = `${g.shared ?? ''}\nreturn function straightGuard(w) {\n${lets}\ntry { ${g.body}\nreturn 0; } catch (e) { if (e === BAIL) return -1; throw e; }\n};`;
  return cached(`g${code}`, () => new Function('BAIL', 'ix', 'bail', code)(BAIL, ix, bail));
};

/** A computed next's function: the location's index, or NEXT_BAIL. */
export function makeNext(g: Generated): Function {
  const lets = g.temps.length ? `let ${g.temps.join(', ')};` : '';
  const code = `${g.shared ?? ''}\nreturn function straightNext(w) {\n${lets}\ntry { ${g.body}\nreturn ${NEXT_BAIL}; } catch (e) { if (e === BAIL) return ${NEXT_BAIL}; throw e; }\n};`;
  return cached(`n${code}`, () => new Function('BAIL', 'ix', 'bail', code)(BAIL, ix, bail));
}

/** A recipe's function (copy the state, then the recipe's stores; false: bailed). */
export const makeRecipe =
  (width: number) =>
  (g: Generated): Function => {
    const lets = g.temps.length ? `let ${g.temps.join(', ')};` : '';
    // One native copy (memcpy), not a store per slot: unrolled, the copy made each recipe a large
    // function, and kvm-hotplug's compiled recipes cost more than the tree path (callgrind, session 8).
    // Called as `copy.call(t, s)` with `copy` TypedArray.prototype.set: optimized code does not
    // fold a load of `t.set` to the method (it went through the generic LoadIC, about 75
    // instructions a transition: bench/README.md, "issue 15 item 2, session 11").
    // A buffer of another width is left to the general path (`width`: the state's slots, its pcs and the layout's).
    const copy = `if (s.length !== ${width} || t.length !== ${width}) return false; copy.call(t, s);`;
    const code = `${g.shared ?? ''}\nreturn function straightRecipe(s, t, h) {\n${lets}\n${copy}\ntry { ${g.body}\n} catch (e) { if (e === BAIL) return false; throw e; }\nreturn true;\n};`;
    return cached(`r${code}`, () => new Function('BAIL', 'ix', 'iset', 'bset', 'bail', 'copy', code)(BAIL, ix, iset, bset, bail, COPY));
  };

