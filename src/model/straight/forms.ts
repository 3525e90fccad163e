// The registry of declared straight forms (src/model/straight.ts): what a function declares it
// computes for the step compiler (declareStraight), and the helpers a form may call that the
// generator compiles itself (slotIndex, slotKey, notStraight). Models and the kernel import
// these through straight.ts.

/**
 * What a wrapper function (a kernel helper's guard, a gate's test, compile.ts's gated guard)
 * declares it computes, since its own source calls functions from its closure, which the
 * compiler cannot see: `fn`'s source (the function's own when `fn` is left out: a model's
 * recipe that calls the kernel's primitives or reads its builder's variables declares just the
 * names), in which the names of `bind` stand for those values (functions, inlined from their own
 * source or their own declared form; integers, booleans and strings, constants; a frozen plain
 * object or array, whose own members `E.NAME` / `A[i]` (i known when compiling) are such values in
 * turn: an enum, a table of lock references); or, for a guard,
 * `all`: the conjunction of the guards listed, in order, as `&&` evaluates it. `shared`: the
 * function is compiled once for each way a step calls it (its arguments' parts of the state and
 * constants), as statements, into a function made with the step's function and called where the
 * step calls it, its run-time values (integers, an element's computed index) passed as
 * arguments; inlined, a helper that several others call (lkmm's dropSeen, five times in a fully
 * ordered RMW) would be copied into each of them. Only ever used to
 * compile: the wrapper itself still runs on the tree path, and the equivalence tests (and the
 * CLI's determinism probe) compare the two.
 */
export type StraightForm =
  | { fn?: Function; bind?: Readonly<Record<string, unknown>>; shared?: boolean }
  | { all: readonly Function[] };

const forms = new WeakMap<Function, StraightForm>();

/** `f`'s declared form, or undefined (what the compiler's plan reads). */
export function formOf(f: Function): StraightForm | undefined {
  return forms.get(f);
}

/** Declare `f`'s straight form (see StraightForm); returns `f`. */
export function declareStraight<F extends Function>(f: F, form: StraightForm): F {
  forms.set(f, form);
  return f;
}

/**
 * `f` declared with a property's `bind` (the names it reads from its module), unless it declares
 * a form of its own or there is no `bind`; returns `f`. An invariant's or step property's `when`
 * and `then` (src/property/define.ts) and a liveness property's p and q (src/property/liveness.ts).
 */
export function declareBound<F extends Function>(f: F, bind: Readonly<Record<string, unknown>> | undefined): F {
  return bind === undefined || forms.has(f) ? f : declareStraight(f, { bind });
}

/**
 * The index of `key` among `obj`'s own keys sorted (-1 when it has none): where its value sits
 * among the object's slots in the packed layout (layout.ts sorts an object's keys so). A form may
 * bind it: called with an object of the state and a string known when compiling, the compiler
 * gives the constant (a key the object lacks is refused), as localsOf is compiled by the generator.
 */
export function slotIndex(obj: object, key: string): number {
  return Object.keys(obj).sort().indexOf(key);
}

/**
 * The key at index `i` of `obj`'s own keys sorted (slotIndex's inverse: a memory address's
 * variable name). Compiled by the generator, `obj` an object of the state: a pick of the
 * object's keys (the layout's) by `i` at run time, out of range a bail, so `obj[slotKey(obj, i)]`
 * passed to a helper is compiled once per key.
 */
export function slotKey(obj: object, i: number): string | undefined {
  return Object.keys(obj).sort()[i];
}

/**
 * Where a form's branch taken when compiling is not compiled (lkmm's propagation in a memory
 * primitive's form): the compiler refuses the function, for `why` (a string written there). Run,
 * it throws: a form is never run.
 */
export function notStraight(why: string): never {
  throw new Error(`not compiled: ${why}`);
}
