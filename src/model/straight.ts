// Straight-line step code over the packed Int32Array (issue 15 item 3), for the common forms of
// guards, recipes and computed `next`: reads and assignments of the state's int and boolean
// fields, the thread's locals (`env.local.i`) and `env.self`, with integer literals and
// JavaScript's operators; a next's results are location names, emitted as location indices.
//
// Calls are inlined: a function whose closure the compiler cannot see (a kernel helper's guard,
// a gate's test, compile.ts's gated guard) may declare its form (declareStraight): its source
// with the names it reads from its closure bound to functions (inlined in turn, their
// parameters bound to the arguments: parts of the state, the environment, values) or integer
// constants. An inlined body's statements (const, if/else, return, loops whose bounds are known
// when compiling, unrolled) become one expression; a loop whose bound is the state's (`i < b.n`,
// `while (c)`) is a loop of the generated code (runLoop: in an expression, an arrow function
// holding it, called there), and a form declared `shared` is compiled once for each way a step
// calls it, as statements, into a function made with the step's function and called where the
// step calls it (sharedCall), where inlining would copy it into every caller.
//
// Recipes (the kernel's primitives among them): `throw` compiles to a bail (its operand is
// never evaluated; the general path runs the step and throws it); `env.warnOn(c, tag)` and
// `env.bugOn(c, tag)` bail when `c` holds (the general path fires them) and otherwise report the
// tag to the model's listener (coverage) once the recipe has finished, as the general path
// hears it; `f?.(...)` calls a bound function or, bound to undefined, nothing. A tag, or a
// string passed to an inlined function, is bound to a string value that never enters the code.
//
// Across threads (a guard over every task, as freeze_processes' test): `env.threadNames.every(cb)`
// and `.some(cb)`, unrolled over the model's threads (their names part of the key), with
// `localsOf(s, name)` (src/model/locals.ts) giving a thread's locals by a name known when
// compiling; a member an object of the state lacks (a thread whose locals hold no task context),
// or any member of the empty locals of a thread without any, is undefined, and `x?.m` of
// undefined is undefined. A form may bind a frozen array or plain object of functions and
// constants (a table of lock references: `classes[held].get(vars)`, `classes.length`), read with
// members and indexes known when compiling.
//
// For the memory model's primitives (src/kernel/memory.ts declares their forms): a frozen table of
// strings indexed at run time is a pick (`NAMES[v]`), and a call it is passed to is compiled once
// per string, chosen by the index; `slotIndex(obj, key)` / `slotKey(obj, i)` give a key's index
// among an object's sorted keys (the layout's order) and the key at a run-time index (a pick);
// literals fold, and an `if` or `? :` whose condition is known when compiling (a test of the
// layout: `m.pw === undefined`) compiles only its branch; an arrow written as an argument is
// inlined where the callee calls it; `notStraight(why)` refuses the branch it is in.
//
// What it compiles: the source text of a guard or recipe function the model module defined
// (Function.prototype.toString of a function that module, already imported and run, handed to
// compileModel), parsed by the small parser below, and the model's own compiled layout (slot
// offsets). The generated code is built ONLY from those: offsets and lengths are numbers,
// integer literals are re-emitted from their parsed values, operators come from a fixed list,
// and a name is never copied into the output (a parameter or `const` becomes a numbered
// variable). Nothing read from a file or any other input at run time goes into it. (Code
// generated so may be handed on: to a pool worker in its task, or to a later run through the
// CLI's step-code cache, src/cli/step-cache.ts; the thread that takes it uses an entry only
// under the key it derives itself: generatedFor/seedGenerated, src/model/straight/cache.ts.)
//
// Anything outside the subset (an undeclared name from the function's closure such as a
// parameter `N`, a call of anything but a bound function, a string used as a value other than a
// next's result or an assertion's tag, a template literal outside a `throw`, a whole object or
// array used as a value, a `function` expression) makes the
// compiler give up, and the step keeps the general path (the scratch tree, codec.ts). A compiled
// step also gives up at run time (it *bails*) before anything observable whenever the general
// path might do something other than store int32 and boolean values into existing leaves: an
// index out of range or not an integer, a value of the wrong type, -0. A compiled recipe writes
// only into the successor buffer (reading its own earlier writes there, as a recipe reads its
// draft), so after a bail the general path runs the step from scratch and raises the same error
// it always did. The same values flow through the same JavaScript operators on both paths, so
// a step that does not bail yields exactly the general path's successor.

import type { Layout, LayoutNode } from './layout.js';
import { hasOwnKey } from '../util/own.js';
import { localsNode, localsOf } from './locals.js';
import { END } from './types.js';
import { no, Unsupported } from './straight/unsupported.js';
import { ARGUMENT_END_AT, ASSIGNS_AT, endsComparison, opensComparison, STATEMENT_END_AT, tokensOf, type Tok } from './straight/tokens.js';
import { formOf, notStraight, slotIndex, slotKey } from './straight/forms.js';
import { constant, fold, known, literalBoolean } from './straight/fold.js';
import { keyText, layoutId, liveMemo, paramsKey, sourceEntry, stepKey, straightCounts, threadNamesKey, threadsKey, type Generated, type GeneratedEntry, type Made } from './straight/cache.js';
import { makeGuard, makeNext, makeRecipe } from './straight/wrap.js';

// The parts with one job each (src/model/straight/): what models, the kernel and the engine
// import from here.
export { declareBound, declareStraight, notStraight, slotIndex, slotKey, type StraightForm } from './straight/forms.js';
export { forgetGenerated, generatedFor, generatorId, seedGenerated, straightCounts, type GeneratedCode } from './straight/cache.js';
export { NEXT_BAIL } from './straight/wrap.js';

/** 1: the guard holds, 0: it does not, -1: bailed (evaluate the model's guard instead). */
export type StraightGuard = (w: Int32Array) => number;
/** Writes the successor of `src` into `dst` (every slot); false: bailed, `dst` is garbage. */
export type StraightRecipe = (src: Int32Array, dst: Int32Array) => boolean;

export interface StraightContext {
  layout: Layout;
  /** Number of program counters before the variables (a state has pcs + layout.size slots). */
  pcs: number;
  /** The thread the step belongs to (env.self) and its name (its locals). */
  self: number;
  thread: string;
  /**
   * Who hears the WARN_ON/BUG_ON statements a step evaluates (coverage), read at each step: a
   * recipe that evaluates one is compiled only with it, and reports each tag it evaluates
   * without firing (one that fires bails: the general path fires and hears it).
   */
  hear?: (() => ((tag: string) => void) | null) | undefined;
  /**
   * A step's: every thread's name, in the model's order (`env.threadNames`, unrolled in
   * `env.threadNames.every(cb)`; part of the cache key).
   */
  threadNames?: readonly string[] | undefined;
  /**
   * A property's: the model's parameter values (`s.params.NAME`, an integer or boolean, is a
   * constant of the code; part of the cache key).
   */
  params?: Readonly<Record<string, unknown>> | undefined;
  /** A property's: the model's variant (`s.variant`, a string known when compiling; part of the cache key). */
  variant?: string | undefined;
  /**
   * A property's: the threads' names and each thread's location ids (by index), for
   * `s.threads`, `s.ended(t)` and `s.at(t) === 'id'` (part of the cache key).
   */
  threads?: { readonly names: readonly string[]; readonly ids: readonly ReadonlyMap<string, number>[] } | undefined;
  /**
   * A step property's: the step it is compiled for (its second parameter, known when compiling:
   * `step.tags.includes('dma')` is a constant; part of the cache key).
   */
  step?: StraightStep | undefined;
}

/** What a step property reads of its step (property/types.ts StepInfo). */
export interface StraightStep {
  readonly thread: string;
  readonly threadIndex: number;
  readonly id: string;
  readonly label: string;
  readonly fn: string;
  readonly tags: readonly string[];
}

// ---- parser and code generator -----------------------------------------------------------------

type Leaf = { kind: 'int' | 'bool'; off: string };
type Ref = { node: LayoutNode } | { leaf: Leaf };

/** A parameter: its name, or the names a destructuring `{ a, b }` takes from the argument. */
type Param = string | string[];

/** What a name (or an operand) stands for at compile time. */
type Bound =
  | { k: 'code'; code: string } // a value: a generated variable or a literal
  | { k: 'node'; node: LayoutNode; base?: string | undefined } // an object or array of the state (never copied: read through); `base`: slots to add to its offsets (an element of an array picked by a computed index)
  | { k: 'leaf'; leaf: Leaf; index?: string | undefined } // an int or boolean slot (an operand only)
  | { k: 'env' } // the step's environment
  | { k: 'fn'; fn: Function } // a function, inlined where it is called
  | { k: 'str'; value: string } // a string (a WARN_ON's tag, an error message's part): never in the code
  | { k: 'none' } // undefined (an option not given: `o.run?.(d, env)` calls nothing)
  | { k: 'info' } // a property's StateInfo (only its `vars` is in the subset)
  | { k: 'consts'; fields: ReadonlyMap<string, Bound> } // a frozen object or array of constants (an enum: `URB.LINKED`): its members only
  | { k: 'empty' } // localsOf's object for a thread without locals (frozen, no own members): each member undefined
  | { k: 'list'; items: readonly Bound[]; conds: readonly string[] | undefined; pre: readonly string[] } // a property's array value (listMember)
  | { k: 'step' } // a step property's step (ctx.step): its members are constants
  | { k: 'strs'; values: readonly string[] } // strings known when compiling (a step's tags)
  | { k: 're'; re: RegExp } // a bound regular expression (no g or y flag): its test of a known string is a constant
  | { k: 'lambda'; toks: Tok[]; start: number; end: number; scope: Scope } // an arrow function written as an argument (`try_cmpxchg_loop(m, x, (o) => o | 1, env)`): inlined where the callee calls it, its names resolved where it was written
  | { k: 'pick'; index: string; items: readonly Bound[]; pre: readonly string[] } // one of a frozen table's strings, by an index computed at run time (`index`, in range, after `pre`): a call it is passed to is compiled once per item
  | { k: 'at'; t: number } // a property's `s.at(t)`, t known when compiling, named by a const: compared or tested where used
  | { k: 'obj'; fields: ReadonlyMap<string, Bound>; pre: string | undefined }; // an object literal a property's helper returned (piOf): its members, read after `pre` ran

/**
 * A block's names, and the names looked up in it that it did not declare: a const declared after
 * such a use shadows it there (JavaScript's temporal dead zone throws, where resolving it
 * outwards would not), so `declare` refuses it.
 */
class Scope {
  readonly names = new Map<string, Bound>();
  private readonly seen = new Set<string>();
  /** Where each const was declared (an inlined body's statements after an `if` are parsed once per branch). */
  private readonly at = new Map<string, number>();
  constructor(readonly parent: Scope | undefined) {}
  /** The name's binding, looked up at token `pos`. */
  get(name: string, pos: number): Bound | undefined {
    for (let s: Scope | undefined = this; s !== undefined; s = s.parent) {
      const b = s.names.get(name);
      if (b !== undefined) {
        // Declared further on (by another branch's parse of the statements after an `if`): here
        // it is in its temporal dead zone.
        if ((s.at.get(name) ?? -1) > pos) no('a const used before its declaration');
        return b;
      }
      s.seen.add(name);
    }
    return undefined;
  }
  /** A const declared at token `pos`: refused when used before (in its own initializer, or earlier in the block). */
  declare(name: string, b: Bound, pos: number): void {
    if (this.seen.has(name) || (this.names.has(name) && this.at.get(name) !== pos)) no('a const used before its declaration');
    this.names.set(name, b);
    this.at.set(name, pos);
  }
}

const KEYWORDS = new Set(['function', 'async', 'this', 'new', 'typeof', 'delete', 'in', 'instanceof', 'yield', 'await', 'class', 'super', 'let', 'var', 'for', 'while', 'do', 'switch', 'try', 'throw', 'null', 'undefined', 'arguments', 'eval', 'return', 'if', 'else', 'const', 'void', 'true', 'false', 'break', 'continue']);

/** Words that may begin an expression statement. */
const EXPRESSION_WORDS = new Set(['void', 'true', 'false']);

/** Inlined calls nest at most this deep (a recursive helper is not compiled). */
const MAX_DEPTH = 12;


class Gen {
  private toks: Tok[] = [];
  private p = 0;
  private tmp = 0;
  private scope = new Scope(undefined);
  private depth = 0;
  /**
   * A property's inlined body being compiled: how many returns it has, and the object literal
   * one of them returned (its members' values, each in a variable): Gen.inline.
   */
  private returned: { fields: Map<string, Bound> | undefined; returns: number } | undefined;
  /** A computed next's call of a declared function returning a location (result()): inline() parses that function's expression body as a result. */
  private resultOf: Function | undefined;
  /** partInit's parse of a const's initializer that was a value (initValue takes it). */
  private initCode: { code: string; toks: Tok[]; start: number; end: number } | undefined;
  /**
   * Run-time loops (runLoop) around the cursor: in the body being inlined (a `return` there would
   * return from the loop's function, not the body's: refused), and in all (an assertion's site
   * is heard once a step: refused inside one).
   */
  private runLoops = 0;
  private loopDepth = 0;
  /**
   * Shared functions (a form's `shared`) compiled so far, by function and by the key of their
   * arguments: the function's name; `outside`, their definitions, made once with the step's
   * function (not each time it runs: they take the memory as their first parameter and declare
   * their own temporaries). `inShared`: the statements being compiled are such a function's
   * body (a `return` there returns its value). `nodeIds` names the state's parts in the keys.
   */
  private readonly shared = new Map<Function, Map<string, string>>();
  readonly outside: string[] = [];
  private inShared = false;
  private readonly nodeIds = new Map<LayoutNode, number>();
  /** The memory the code reads and writes: `w` for a guard (read only), `t` for a recipe. */
  private readonly mem: string;
  temps: string[] = [];
  /** The tags of the recipe's WARN_ON/BUG_ON statements, by site index (what `h(i)` hears). */
  readonly sites: string[] = [];

  /**
   * `guard` true: only reads (a guard, or a computed next); `locate` set: a computed next, whose
   * results are location names (string literals), compiled to the location's index.
   */
  constructor(
    private readonly ctx: StraightContext,
    private readonly guard: boolean,
    private readonly plan: Plan,
    private readonly locate?: (id: string) => number | undefined,
    /** A property (an invariant's `holds`): its parameter is a StateInfo, read through `vars`. */
    private readonly property = false,
  ) {
    this.mem = guard ? 'w' : 't';
  }

  /**
   * What a computed next returns: a location name (a string literal, emitted as its index: no
   * string reaches the generated code), `c ? r1 : r2`, or `(r)`. A string anywhere else is
   * outside the subset (primary refuses it).
   */
  private result(): string {
    const t = this.toks[this.p];
    // A location name: a string literal, or a name bound to a string (a builder's `next`).
    const named = t?.t === 'id' && this.endsResult(1) ? this.scope.get(t.v, this.p) : undefined;
    if (t?.t === 'str' || named?.k === 'str') {
      this.p++;
      const at = this.locate!(named?.k === 'str' ? named.value : t!.v);
      if (at === undefined) no('not a location of the thread'); // the general path's error
      return `(${at})`;
    }
    // A call of a bound function whose expression body is itself a result (a builder's
    // `afterPost(s, env)`: `env.local.posted < n ? 'pir' : END`), inlined as one.
    // Its arguments hold no call (none of them is inlined meanwhile as this one is).
    const fn = t?.t === 'id' && this.peek('(', 1) ? this.scope.get(t.v, this.p) : undefined;
    const length = fn?.k === 'fn' ? this.callLength(1) : 0;
    if (fn?.k === 'fn' && length > 0 && this.endsResult(length + 1)) {
      for (let q = this.p + 2; q < this.p + length; q++) if (this.toks[q]!.t === 'op' && this.toks[q]!.v === '(') no('a next calling a function with a call in its arguments');
      this.p++;
      const outer = this.resultOf;
      this.resultOf = fn.fn;
      try {
        const r = this.call(fn.fn);
        return r.k === 'code' ? r.code : no('a next calling a function that returns no location');
      } finally {
        this.resultOf = outer;
      }
    }
    if (this.peek('(')) {
      const start = this.p;
      try {
        this.p++;
        const r = this.result();
        this.expect(')');
        if (!this.peek('?')) return r;
      } catch (e) {
        if (!(e instanceof Unsupported)) throw e;
      }
      this.p = start;
    }
    const c = this.binary(0);
    this.expect('?');
    const a = this.result();
    this.expect(':');
    const b = this.result();
    return `(${c} ? ${a} : ${b})`;
  }

  /** How many tokens the balanced brackets starting `k` after the cursor take (0 when unbalanced). */
  private callLength(k: number): number {
    let depth = 0;
    let q = this.p + k;
    do {
      const w = this.toks[q++];
      if (w === undefined) return 0;
      if (w.t !== 'op') continue;
      if (w.v === '(' || w.v === '[' || w.v === '{') depth++;
      else if (w.v === ')' || w.v === ']' || w.v === '}') depth--;
    } while (depth > 0);
    return q - this.p - k;
  }

  /** Whether the token `k` after the cursor ends a next's result (`:`, `)`, `;`, `}`, the end). */
  private endsResult(k: number): boolean {
    return this.toks[this.p + k] === undefined || this.peek(':', k) || this.peek(')', k) || this.peek(';', k) || this.peek('}', k);
  }

  private peek(v: string, k = 0): boolean {
    const t = this.toks[this.p + k];
    return t !== undefined && t.t === 'op' && t.v === v;
  }
  private peekId(v: string): boolean {
    const t = this.toks[this.p];
    return t !== undefined && t.t === 'id' && t.v === v;
  }
  private eat(v: string): boolean {
    if (this.peek(v)) {
      this.p++;
      return true;
    }
    return false;
  }
  private expect(v: string): void {
    if (!this.eat(v)) no(`expected ${v}`);
  }
  private next(): Tok {
    const t = this.toks[this.p++];
    if (t === undefined) no('end of source');
    return t!;
  }
  private temp(): string {
    const n = `k${this.tmp++}`;
    this.temps.push(n);
    return n;
  }
  private name(): string {
    const t = this.next();
    if (t.t !== 'id' || KEYWORDS.has(t.v)) no('name form');
    return t.v;
  }

  /** `function f(a, b) {` or `(a, b) =>` or `a =>`: the parameter names (the cursor after them). */
  private params(): Param[] {
    const params: Param[] = [];
    if (this.peekId('function')) {
      this.p++;
      if (this.toks[this.p]?.t === 'id') this.name();
      this.expect('(');
      while (!this.eat(')')) {
        params.push(this.param());
        if (!this.peek(')')) this.expect(',');
      }
      if (!this.peek('{')) no('function body');
    } else {
      if (this.eat('(')) {
        while (!this.eat(')')) {
          params.push(this.param());
          if (!this.peek(')')) this.expect(',');
        }
      } else params.push(this.name());
      this.expect('=>');
    }
    const names = params.flat();
    if (new Set(names).size !== names.length) no('duplicate parameter');
    return params;
  }

  /** A parameter: a name, or `{ a, b }` (names only: no renaming, default or rest). */
  private param(): Param {
    if (!this.eat('{')) return this.name();
    const names: string[] = [];
    while (!this.eat('}')) {
      names.push(this.name());
      if (!this.peek('}')) this.expect(',');
    }
    return names;
  }

  /** Binds parameter `p` to `b`; a destructured one only to the environment (`{ local, self }`). */
  private bind(scope: Scope, p: Param, b: Bound): void {
    if (typeof p === 'string') {
      scope.names.set(p, b);
      return;
    }
    if (b.k === 'info') {
      // `({ vars }) =>`: the state's variables.
      for (const name of p) {
        if (name !== 'vars') no('a StateInfo member other than vars');
        scope.names.set(name, { k: 'node', node: this.ctx.layout.root });
      }
      return;
    }
    if (b.k !== 'env') no('a destructured parameter that is not the environment');
    for (const name of p) {
      if (name === 'self') scope.names.set(name, { k: 'code', code: `(${this.ctx.self})` });
      else if (name === 'local') {
        const mine = localsNode(this.ctx.layout, this.ctx.thread);
        if (mine === undefined) no('no locals');
        scope.names.set(name, { k: 'node', node: mine! });
      } else no('env member');
    }
  }

  /** The tokens and initial scope of `fn`: its declared form's source and bindings, or its own source. */
  private open(fn: Function): { toks: Tok[]; scope: Scope } {
    const r = this.resolved(fn);
    if ('all' in r) no('a conjunction called as a function');
    const scope = new Scope(undefined);
    for (const [k, b] of (r as ResolvedSource).bind) scope.names.set(k, b);
    const src = (r as ResolvedSource).src;
    if (src === undefined) no('no source');
    return { toks: tokensOf(src!), scope: new Scope(scope) };
  }

  /** `fn` as the plan read it (every function the generator reaches is in it: the root and what forms bind). */
  private resolved(fn: Function): Resolved {
    const r = this.plan.of.get(fn);
    if (r === undefined) no('a function the plan did not read');
    return r!;
  }

  /** The whole guard or recipe `fn` (a parameter for the state, one for the environment); the body's code. */
  top(fn: Function): string {
    const form = this.resolved(fn);
    if ('all' in form) {
      if (!this.guard || this.locate !== undefined) no('a conjunction as a recipe or a next');
      // Each guard called with the state and the environment (each property with the StateInfo),
      // in order, as && evaluates them.
      const args: Bound[] = this.property ? (this.ctx.step !== undefined ? [{ k: 'info' }, { k: 'step' }] : [{ k: 'info' }]) : [{ k: 'node', node: this.ctx.layout.root }, { k: 'env' }];
      const parts = form.all.map((g) => this.inline(g, args, true));
      if (parts.length === 0) return 'return 1;';
      return `return (${parts.map((c) => (c.k === 'code' ? c.code : no('a guard returning a part of the state'))).join(' && ')}) ? 1 : 0;`;
    }
    const { toks, scope } = this.open(fn);
    this.toks = toks;
    this.p = 0;
    this.scope = scope;
    const params = this.params();
    if (params.length > (this.property ? (this.ctx.step !== undefined ? 2 : 1) : 2)) no('more parameters than a step (or property) has');
    if (params[0] !== undefined) this.bind(scope, params[0], this.property ? { k: 'info' } : { k: 'node', node: this.ctx.layout.root });
    if (params[1] !== undefined) this.bind(scope, params[1], this.property ? { k: 'step' } : { k: 'env' });
    this.scope = new Scope(scope);
    let body: string;
    if (this.peek('{')) body = this.block();
    else if (this.locate !== undefined) body = `return ${this.result()};`;
    else body = this.guard ? `return (${this.expr()}) ? 1 : 0;` : `${this.expr()};`;
    if (this.p !== this.toks.length) no('trailing tokens');
    return body;
  }

  /**
   * A call of `fn` with `args`, inlined: its body (an expression, or statements that end in
   * `return`s, turned into one expression) with its parameters bound to the arguments. Value
   * arguments were already evaluated into variables, in order, by the caller.
   */
  private inline(fn: Function, args: Bound[], asValue: boolean, share = true): Bound {
    if (share && !this.property && this.resultOf !== fn) {
      const r = this.resolved(fn);
      if (!('all' in r) && r.shared === true) {
        const s = this.sharedCall(fn, args);
        if (s !== undefined) return s;
      }
    }
    if (++this.depth > MAX_DEPTH) no('calls nested too deep');
    const saved = this.reading();
    this.runLoops = 0;
    this.inShared = false;
    try {
      const r = this.resolved(fn);
      if ('all' in r && this.property) {
        // A property's declared conjunction, called: each part with the same arguments, in
        // order, as `every` calls them (true and false, as `every` returns).
        const parts = r.all.map((g) => this.inline(g, args, true));
        return { k: 'code', code: parts.length === 0 ? 'true' : `(${parts.map((c) => `!!(${(c as { code: string }).code})`).join(' && ')})` };
      }
      // A next's result call (result()): this function's body only, not the calls in its arguments.
      const asResult = this.resultOf === fn;
      this.enter(fn, args);
      if (asResult) {
        if (this.peek('{')) no('a next calling a function with a block body');
        // (A call in its result is a result call of its own: this one's mark is no longer needed.)
        const code = this.result();
        if (this.p !== this.toks.length) no('trailing tokens');
        return { k: 'code', code };
      }
      let out: Bound;
      const part = asValue ? undefined : this.returnedPart();
      if (part !== undefined) out = part;
      else if (this.eat('{')) {
        const outer = this.returned;
        this.returned = this.property ? { fields: undefined, returns: 0 } : undefined;
        try {
          const code = this.seq(() => 'void 0');
          const r = this.returned;
          // A body whose one return is an object literal (piOf): that object, after the body's code.
          if (r?.fields !== undefined) {
            if (r.returns !== 1) no('an object literal returned beside another return');
            out = { k: 'obj', fields: r.fields, pre: code };
          } else out = { k: 'code', code };
        } finally {
          this.returned = outer;
        }
      }
      else {
        // An accessor (`(s) => s.ctx`) returns a part of the state; anything else a value.
        const start = this.p;
        const o = asValue ? undefined : this.operand();
        if (o !== undefined && (o.k === 'node' || o.k === 'env' || o.k === 'list' || o.k === 'none' || o.k === 'empty' || o.k === 'pick' || (this.property && o.k === 'str')) && this.p === this.toks.length) out = o;
        // A value computed by the whole body (a call): what assign() would give from here (its
        // postfix returns an operand's code as it is), without parsing (and inlining) it again.
        else if (o?.k === 'code' && this.p === this.toks.length) out = o;
        else {
          this.p = start;
          out = { k: 'code', code: this.assign() };
          if (this.p !== this.toks.length) no('trailing tokens');
        }
      }
      return out;
    } finally {
      this.resume(saved);
      this.depth--;
    }
  }

  /**
   * A call of a shared function (its form's `shared`): the local function compiled once for the
   * arguments' kind (parts of the state and constants in its key; run-time values, integers and
   * an element's computed index, its parameters), then called with them here. Undefined (the
   * call is inlined instead) for other arguments, a function whose body gives no value (a part of
   * the state), or one with an assertion (its site is heard once a step).
   */
  private sharedCall(fn: Function, args: Bound[]): Bound | undefined {
    const params: Bound[] = [];
    const names: string[] = [];
    const passed: string[] = [];
    let key = '';
    const param = (): string => {
      const p = `a${this.tmp++}`;
      names.push(p);
      return p;
    };
    const nodeId = (n: LayoutNode): number => {
      let id = this.nodeIds.get(n);
      if (id === undefined) this.nodeIds.set(n, (id = this.nodeIds.size));
      return id;
    };
    for (const a of args) {
      if (a.k === 'code') {
        const c = constant(a.code) ?? literalBoolean(a.code);
        if (c !== undefined) {
          key += `c${String(c)};`;
          params.push(a);
        } else {
          key += 'p;';
          passed.push(a.code);
          params.push({ k: 'code', code: param() });
        }
      } else if (a.k === 'node') {
        if (a.base === undefined) {
          key += `n${nodeId(a.node)};`;
          params.push(a);
        } else {
          key += `b${nodeId(a.node)};`;
          passed.push(a.base);
          params.push({ k: 'node', node: a.node, base: param() });
        }
      } else if (a.k === 'env' || a.k === 'none') {
        key += `${a.k};`;
        params.push(a);
      } else if (a.k === 'str') {
        key += `s${a.value.length}:${a.value};`;
        params.push(a);
      } else return undefined;
    }
    let mine = this.shared.get(fn);
    if (mine === undefined) this.shared.set(fn, (mine = new Map()));
    let name = mine.get(key);
    if (name === undefined) {
      const outer = { sites: this.sites.length, runLoops: this.runLoops, loopDepth: this.loopDepth, temps: this.temps, inShared: this.inShared };
      this.runLoops = 0;
      this.loopDepth = 0;
      this.temps = [];
      this.inShared = true;
      let body: string | undefined;
      let temps: string[] = [];
      try {
        body = this.sharedBody(fn, params);
        temps = this.temps;
      } catch (e) {
        // (Outside what a shared body compiles, a body that gives a part of the state: inlined instead.)
        if (!(e instanceof Unsupported)) throw e;
      } finally {
        this.runLoops = outer.runLoops;
        this.loopDepth = outer.loopDepth;
        this.temps = outer.temps;
        this.inShared = outer.inShared;
      }
      if (body === undefined || this.sites.length !== outer.sites) {
        this.sites.length = outer.sites;
        return undefined;
      }
      name = `f${this.outside.length}`;
      const lets = temps.length === 0 ? '' : `let ${temps.join(', ')}; `;
      this.outside.push(`const ${name} = (${[this.mem, ...names].join(', ')}) => { ${lets}${body} };`);
      mine.set(key, name);
    }
    return { k: 'code', code: `${name}(${[this.mem, ...passed].join(', ')})` };
  }

  /** Where the reader is, to take up again (resume) after reading another function's body or an argument. */
  private reading(): { toks: Tok[]; p: number; scope: Scope; runLoops: number; inShared: boolean } {
    return { toks: this.toks, p: this.p, scope: this.scope, runLoops: this.runLoops, inShared: this.inShared };
  }

  private resume(r: ReturnType<Gen['reading']>): void {
    this.toks = r.toks;
    this.p = r.p;
    this.scope = r.scope;
    this.runLoops = r.runLoops;
    this.inShared = r.inShared;
  }

  /**
   * Read `fn`'s body from here on (the caller saved the reading position): its tokens, its
   * parameters bound to `args`, and a scope of its own for the body's locals.
   */
  private enter(fn: Function, args: Bound[]): void {
    const { toks, scope } = this.open(fn);
    this.toks = toks;
    this.p = 0;
    this.scope = scope;
    const params = this.params();
    params.forEach((param, i) => {
      const a = args[i];
      if (a === undefined) no('a missing argument');
      this.bind(scope, param, a!);
    });
    this.scope = new Scope(scope);
  }

  /**
   * A shared function's body with its parameters bound to `args`, as statements (statement():
   * a loop is a loop, an `if` compiles what follows it once; a `return` returns its value), or
   * `return e;` for an expression body.
   */
  private sharedBody(fn: Function, args: Bound[]): string {
    if (++this.depth > MAX_DEPTH) no('calls nested too deep');
    const saved = { toks: this.toks, p: this.p, scope: this.scope };
    try {
      this.enter(fn, args);
      const body = this.peek('{') ? this.block() : `return ${this.assign()};`;
      if (this.p !== this.toks.length) no('trailing tokens');
      return body;
    } finally {
      this.toks = saved.toks;
      this.p = saved.p;
      this.scope = saved.scope;
      this.depth--;
    }
  }

  /**
   * A body `{ return X; }` (the cursor at its `{`) whose X is a part of the state or a property's
   * array value (list): that Bound, the body consumed; otherwise undefined, the cursor where it was.
   */
  private returnedPart(): Bound | undefined {
    const start = this.p;
    if (!this.eat('{') || !this.peekId('return')) {
      this.p = start;
      return undefined;
    }
    this.p++;
    try {
      if (!this.toks[this.p]?.nl) {
        const o = this.operand();
        if (o !== undefined && (o.k === 'node' || o.k === 'list')) {
          this.eat(';');
          if (this.eat('}') && this.p === this.toks.length) return o;
        }
      }
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
    }
    this.p = start;
    return undefined;
  }

  /** `(args)` at the cursor, then the call of `fn` inlined: its result, with the arguments' evaluation before it. */
  private call(fn: Function): Bound {
    this.expect('(');
    const args: Bound[] = [];
    const evals: string[] = [];
    while (!this.eat(')')) {
      const start = this.p;
      const lit = this.toks[this.p];
      if (lit?.t === 'str' && (this.peek(',', 1) || this.peek(')', 1))) {
        // A string argument (an error message's part, a tag): bound, never in the code.
        this.p++;
        args.push({ k: 'str', value: lit.v });
        if (!this.peek(')')) this.expect(',');
        continue;
      }
      if (this.property && lit?.t === 'num' && Number.isSafeInteger(Number(lit.v)) && (this.peek(',', 1) || this.peek(')', 1))) {
        // A property's integer literal argument (`vcpuThread(0)`): a constant the callee knows when compiling.
        this.p++;
        args.push({ k: 'code', code: `(${Number(lit.v)})` });
        if (!this.peek(')')) this.expect(',');
        continue;
      }
      const lambda = this.arrowArgument();
      if (lambda !== undefined) {
        // An arrow function written there: nothing evaluated here (a function value).
        args.push(lambda);
        if (!this.peek(')')) this.expect(',');
        continue;
      }
      const o = this.chainMayEndAt(ARGUMENT_END_AT) ? this.operand() : undefined;
      // A part of the state, the environment, a function, a string, an object of constants,
      // undefined, or a constant (no side effect to order; an unrolled callback's index, which
      // the callee then knows when compiling: `s.ended(t)` in a helper): bound as it is.
      const bound = o !== undefined && (o.k === 'node' || o.k === 'env' || o.k === 'fn' || o.k === 'str' || o.k === 'info' || o.k === 'step' || o.k === 'strs' || o.k === 're' || o.k === 'consts' || o.k === 'none' || o.k === 'empty' || (o.k === 'code' && (constant(o.code) !== undefined || literalBoolean(o.code) !== undefined)));
      if (o?.k === 'pick' && (this.peek(',') || this.peek(')'))) {
        // A picked string: its index evaluated here, in argument order; the call is split on it below.
        evals.push(...o.pre);
        args.push({ ...o, pre: [] });
      } else if (bound && (this.peek(',') || this.peek(')'))) {
        if (o!.k === 'node' && o!.base !== undefined) {
          // An element picked by a computed index: the index evaluated once, here, in argument
          // order (the callee reads it through as often as it likes, after any writes).
          const k = this.temp();
          evals.push(`${k} = ${o!.base}`);
          args.push({ k: 'node', node: o!.node, base: k });
        } else args.push(o!);
      } else {
        this.p = start;
        const k = this.temp();
        evals.push(`${k} = ${this.assign()}`);
        args.push({ k: 'code', code: k });
      }
      if (!this.peek(')')) this.expect(',');
    }
    const r = this.split(fn, args);
    if (r.k === 'pick') return { ...r, pre: [...evals, ...r.pre] };
    if (r.k === 'obj' && evals.length > 0) return { k: 'obj', fields: r.fields, pre: `${evals.join(', ')}${r.pre === undefined ? '' : `, ${r.pre}`}` };
    if (r.k !== 'code') {
      if (evals.length > 0) no('arguments evaluated for an accessor');
      return r;
    }
    return { k: 'code', code: evals.length === 0 ? r.code : `(${evals.join(', ')}, ${r.code})` };
  }

  /**
   * An arrow function written as a call's argument at the cursor (`(o) => e`, `o => e`, or with a
   * block body), ended by the argument's `,` or `)`: the Bound (the cursor after it), its body
   * parsed only where the callee calls it; otherwise undefined, the cursor unmoved.
   */
  private arrowArgument(): Bound | undefined {
    const start = this.p;
    const t = this.toks[this.p];
    if (t?.t === 'id' && !KEYWORDS.has(t.v) && this.peek('=>', 1)) this.p += 2;
    else if (this.peek('(')) {
      this.skipBalanced();
      if (!this.eat('=>')) {
        this.p = start;
        return undefined;
      }
    } else return undefined;
    if (this.peek('{')) this.skipBalanced();
    else this.skipExpression();
    if (!this.peek(',') && !this.peek(')')) no('an arrow argument ending elsewhere than at its , or )');
    return { k: 'lambda', toks: this.toks, start, end: this.p, scope: this.scope };
  }

  /**
   * `(args)` at the cursor, then the arrow function `lam` inlined: its parameters bound to the
   * arguments (evaluated first, in order, as call's), its body parsed from where it was written,
   * with the names it had there.
   */
  private callLambda(lam: Extract<Bound, { k: 'lambda' }>): Bound {
    this.expect('(');
    const args: string[] = [];
    const evals: string[] = [];
    while (!this.eat(')')) {
      const k = this.temp();
      evals.push(`${k} = ${this.assign()}`);
      args.push(k);
      if (!this.peek(')')) this.expect(',');
    }
    if (++this.depth > MAX_DEPTH) no('calls nested too deep');
    const saved = this.reading();
    this.runLoops = 0;
    this.inShared = false;
    try {
      this.toks = lam.toks;
      this.p = lam.start;
      const scope = new Scope(lam.scope);
      const params = this.params();
      params.forEach((param, i) => {
        if (typeof param !== 'string') no('a destructured parameter of an arrow argument');
        scope.names.set(param as string, args[i] === undefined ? { k: 'none' } : { k: 'code', code: args[i]! });
      });
      this.scope = new Scope(scope);
      // A block body's statements after a return are not parsed (inline's), so only an expression
      // body is checked to end where the argument did.
      const block = this.eat('{');
      const code = block ? this.seq(() => 'void 0') : this.assign();
      if (!block && this.p !== lam.end) no('an arrow argument parsed to elsewhere than its end');
      return { k: 'code', code: evals.length === 0 ? code : `(${evals.join(', ')}, ${code})` };
    } finally {
      this.resume(saved);
      this.depth--;
    }
  }

  /**
   * The call of `fn` with `args` inlined; with a picked string among them, once for each of its
   * strings, chosen by its index at run time (`ix` put it in range, so the last is the rest): a
   * string for which the call is refused (a name the memory lacks) is a bail there, where the
   * general path meets what the function does with it; refused for every one, the call is.
   */
  private split(fn: Function, args: Bound[]): Bound {
    const at = args.findIndex((a) => a.k === 'pick');
    if (at < 0) return this.inline(fn, args, false);
    const pick = args[at] as Extract<Bound, { k: 'pick' }>;
    let why: string | undefined;
    const codes = pick.items.map((item) => {
      try {
        const r = this.split(fn, args.map((a, j) => (j === at ? item : a)));
        return r.k === 'code' ? r.code : no('a call on a picked string returning a part of the state');
      } catch (e) {
        if (!(e instanceof Unsupported)) throw e;
        why ??= e.message;
        return undefined;
      }
    });
    if (codes.every((c) => c === undefined)) no(`${why} (for every string it may be passed)`);
    const last = codes.length - 1;
    let code = codes[last] ?? 'bail()';
    // (Refused strings next to each other share one bail.)
    for (let j = last - 1; j >= 0; j--) code = (codes[j] ?? 'bail()') === 'bail()' && code === 'bail()' ? code : `(${pick.index} === ${j} ? ${codes[j] ?? 'bail()'} : ${code})`;
    return { k: 'code', code };
  }

  /**
   * `table[e]`, `e` computed at run time, `table` a frozen array of strings (a form's table of
   * variable names, `controlOf`'s): one of them, by `ix(e, length)` evaluated once, here (the
   * general path's `table[e]` is undefined outside it: a bail).
   */
  private picked(table: Extract<Bound, { k: 'consts' }>, e: string): Bound {
    const len = table.fields.get('length');
    const n = len?.k === 'code' ? constant(len.code) : undefined;
    if (n === undefined || n === 0) no('an index not known when compiling into a frozen array');
    const items = Array.from({ length: n! }, (_, j) => table.fields.get(String(j)));
    if (!items.every((it) => it?.k === 'str')) no('an index not known when compiling into a frozen array of other than strings');
    const k = this.temp();
    return { k: 'pick', index: k, items: items as Bound[], pre: [`${k} = ix(${e}, ${n})`] };
  }

  /**
   * `slotKey(obj, i)` (the cursor at the `(`): `obj` an object of the state, `i` computed at run
   * time: a pick of the object's keys (the layout's sorted keys), by `ix(i, keys)` evaluated here
   * (out of range, where slotKey gives undefined: a bail).
   */
  private slotKeyCall(): Bound {
    this.expect('(');
    const o = this.operand();
    if (o === undefined || o.k !== 'node' || o.node.kind !== 'object') no('slotKey of something other than an object of the state');
    this.expect(',');
    const e = this.assign();
    this.expect(')');
    const keys = (o as { node: Extract<LayoutNode, { kind: 'object' }> }).node.keys;
    if (keys.length === 0) no('slotKey of an object without keys');
    // An index known when compiling, in range: that key itself (no pick to split the call on).
    const c = constant(e);
    if (c !== undefined && c >= 0 && c < keys.length) return { k: 'str', value: keys[c]! };
    const k = this.temp();
    return { k: 'pick', index: k, items: keys.map((value): Bound => ({ k: 'str', value })), pre: [`${k} = ix(${e}, ${keys.length})`] };
  }

  /**
   * `slotIndex(obj, key)` (the cursor at the `(`): `obj` an object of the state, `key` a string
   * known when compiling: the key's index among the object's sorted keys, the layout's order (a
   * key the object lacks, -1 on the general path, is refused).
   */
  private slotIndexCall(): Bound {
    this.expect('(');
    const o = this.operand();
    if (o === undefined || o.k !== 'node' || o.node.kind !== 'object') no('slotIndex of something other than an object of the state');
    this.expect(',');
    const key = this.stringArg('slotIndex with a key not known when compiling');
    this.expect(')');
    const i = ((o as { node: Extract<LayoutNode, { kind: 'object' }> }).node).keys.indexOf(key);
    if (i < 0) no('slotIndex of a key the object lacks');
    return { k: 'code', code: `(${i})` };
  }

  // ---- statements as expressions (an inlined function's body) -----------------------------------

  /** The statements from the cursor to the block's `}` (consumed), then `rest()`, as one expression. */
  private seq(rest: () => string): string {
    if (this.eat('}')) return rest();
    return this.stmt(() => this.seq(rest));
  }

  /** One statement at the cursor, then `rest()` (which parses on from where it ends), as one expression. */
  private stmt(rest: () => string): string {
    if (this.eat(';')) return rest();
    if (this.eat('{')) {
      const outer = this.scope;
      this.scope = new Scope(outer);
      return this.seq(() => {
        const inner = this.scope;
        this.scope = outer;
        const r = rest();
        this.scope = inner;
        return r;
      });
    }
    if (this.peekId('return')) {
      this.p++;
      // `return` then a line break returns undefined (a semicolon is inserted): the general path's.
      if (this.toks[this.p]?.nl && !this.peek(';') && !this.peek('}')) no('a line break after return');
      if (this.runLoops > 0) no('a return inside a run-time loop');
      if (this.eat(';') || this.peek('}')) return 'void 0';
      if (this.returned !== undefined) this.returned.returns++;
      if (this.returned !== undefined && this.peek('{')) return this.objectReturned(this.returned);
      const e = this.expr();
      // Where skip() ends the statement too (a statement ended by a line break alone is refused).
      if (!this.peek(';') && !this.peek('}')) no('statement end');
      return `(${e})`;
    }
    if (this.peekId('if')) {
      this.p++;
      this.expect('(');
      const c = this.expr();
      this.expect(')');
      const a = this.p;
      this.skip();
      let b = -1;
      if (this.peekId('else')) {
        this.p++;
        b = this.p;
        this.skip();
      }
      const after = this.p;
      // A branch goes on after the whole if, from where its statement ended: where skip() put
      // the end of that branch (else a statement after it would be lost, or parsed twice).
      const cont = (end: number) => () => {
        if (this.p !== end) no('a branch parsed to elsewhere than its end');
        this.p = after;
        return rest();
      };
      // A condition known when compiling (a memory model's test of the layout): only the branch
      // taken is compiled (the other may be outside the subset there: an empty buffer array).
      const fixed = known(c);
      if (fixed === true) {
        this.p = a;
        return this.stmt(cont(b >= 0 ? b - 1 : after));
      }
      if (fixed === false) {
        if (b >= 0) {
          this.p = b;
          return this.stmt(cont(after));
        }
        this.p = after;
        return rest();
      }
      this.p = a;
      const yes = this.stmt(cont(b >= 0 ? b - 1 : after));
      let no_: string;
      if (b >= 0) {
        this.p = b;
        no_ = this.stmt(cont(after));
      } else {
        this.p = after;
        no_ = rest();
      }
      return `(${c} ? ${yes} : ${no_})`;
    }
    if (this.peekId('for') && this.constantBounds()) return this.unrolled(rest);
    if (this.peekId('for') || this.peekId('while')) {
      const loop = this.runLoop(false);
      return `(${loop}, ${rest()})`;
    }
    if (this.peekId('throw')) {
      // Nothing after it runs: the statements after are skipped (not parsed), as after a return.
      this.throwStatement();
      return 'bail()';
    }
    if (this.peekId('const')) {
      const { at, name, part, pre } = this.constHead();
      if (part) return pre === undefined ? rest() : `(${pre}, ${rest()})`;
      const e = this.initValue();
      if (!this.eat(';') && !this.peek('}')) no('declaration end');
      if (known(e) !== undefined) {
        // A constant (`const K = b.addr.length`): the name stands for it, known when compiling.
        this.scope.declare(name, { k: 'code', code: e }, at);
        return rest();
      }
      const v = this.temp();
      this.scope.declare(name, { k: 'code', code: v }, at);
      return `(${v} = ${e}, ${rest()})`;
    }
    const t = this.toks[this.p];
    if (t?.t === 'id' && KEYWORDS.has(t.v) && !EXPRESSION_WORDS.has(t.v)) no(`statement ${t.v}`);
    const e = this.expr();
    if (!this.eat(';') && !this.peek('}')) no('statement end');
    return `(${e}, ${rest()})`;
  }

  /**
   * `for (let i = A; i < B; i++) S` whose bounds are known when compiling (literals, an array's
   * length, bound constants), unrolled: S once for each i, i a constant in each copy (it cannot
   * be assigned: a constant is no operand). No `break` or `continue` (outside the subset).
   */
  private unrolled(rest: () => string): string {
    const { i, from, to } = this.loopHead();
    const body = this.p;
    this.skip();
    const after = this.p;
    const outer = this.scope;
    const iteration = (j: number): string => {
      if (j >= to) {
        this.p = after;
        return rest();
      }
      this.p = body;
      this.scope = new Scope(outer);
      this.scope.names.set(i, { k: 'code', code: `(${j})` });
      const r = this.stmt(() => {
        if (this.p !== after) no('a loop body parsed to elsewhere than its end');
        this.scope = outer;
        return iteration(j + 1);
      });
      this.scope = outer;
      return r;
    };
    return iteration(from);
  }

  /** A `for` loop with bounds known when compiling (unrolled's form) as statements: the body once for each i. */
  private unrolledStatements(): string {
    const { i, from, to } = this.loopHead();
    const body = this.p;
    this.skip();
    const after = this.p;
    const outer = this.scope;
    const out: string[] = [];
    for (let j = from; j < to; j++) {
      this.p = body;
      this.scope = new Scope(outer);
      this.scope.names.set(i, { k: 'code', code: `(${j})` });
      out.push(this.statement());
      if (this.p !== after) no('a loop body parsed to elsewhere than its end');
    }
    this.scope = outer;
    this.p = after;
    return `{ ${out.join(' ')} }`;
  }

  /**
   * Whether the `for` at the cursor has bounds known when compiling (loopHead's form: unrolled);
   * the cursor, temporaries and sites left as they were (the head is parsed again).
   */
  private constantBounds(): boolean {
    const at = { p: this.p, tmp: this.tmp, temps: this.temps.length, sites: this.sites.length };
    try {
      this.loopHead();
      return true;
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      return false;
    } finally {
      this.p = at.p;
      this.tmp = at.tmp;
      this.temps.length = at.temps;
      this.sites.length = at.sites;
    }
  }

  /**
   * A run-time loop at the cursor: `for (let i = A; C; i++) S` whose bounds are not known when
   * compiling (a count in the state: `i < b.n`), or `while (C) S`, compiled as a loop (not
   * unrolled over a capacity: its cost is the iterations the state asks for). `i` is a
   * temporary, which the body cannot assign (a constant's binding is no operand). As a statement
   * of the recipe's own body (`statement`), the loop itself; inside an expression (an inlined
   * body), an arrow function holding the loop, called there, whose body S is statements
   * (statement(): an `if` there compiles what follows it once, a loop inside it is a plain loop).
   * Inside that function a `return` is refused (it would return from that function, not from
   * the body inlined); inside any run-time loop an assertion is refused (its site is heard once
   * a step). No `break` or `continue` (outside the subset).
   */
  private runLoop(statement: boolean): string {
    const isFor = this.peekId('for');
    this.p++;
    this.expect('(');
    const outer = this.scope;
    this.scope = new Scope(outer);
    let init = '';
    let step = '';
    let cond: string;
    if (isFor) {
      if (!this.peekId('let')) no('loop form');
      this.p++;
      const at = this.p;
      const i = this.name();
      this.expect('=');
      const from = this.assign();
      this.expect(';');
      const k = this.temp();
      this.scope.declare(i, { k: 'code', code: k }, at);
      cond = this.expr();
      this.expect(';');
      if (this.name() !== i || !this.eat('++')) no('loop step form');
      init = `${k} = ${from}`;
      step = `${k}++`;
    } else cond = this.expr();
    this.expect(')');
    const start = this.p;
    this.skip();
    const after = this.p;
    this.p = start;
    const closure = statement ? 0 : 1;
    this.runLoops += closure;
    this.loopDepth++;
    let code: string;
    try {
      code = this.statement();
    } finally {
      this.runLoops -= closure;
      this.loopDepth--;
      this.scope = outer;
    }
    if (this.p !== after) no('a loop body parsed to elsewhere than its end');
    const loop = `for (${init}; ${cond}; ${step}) ${code}`;
    return statement ? loop : `(() => { ${loop} })()`;
  }

  /** `for (let i = A; i < B; i++)` at the cursor (consumed): the counter's name and its constant bounds. */
  private loopHead(): { i: string; from: number; to: number } {
    this.p++;
    this.expect('(');
    if (!this.peekId('let')) no('loop form');
    this.p++;
    const i = this.name();
    this.expect('=');
    const from = constant(this.assign());
    this.expect(';');
    if (this.name() !== i || !this.eat('<')) no('loop condition form');
    const to = constant(this.assign());
    this.expect(';');
    if (this.name() !== i || !this.eat('++')) no('loop step form');
    this.expect(')');
    if (from === undefined || to === undefined || to - from > 64) no('loop bounds not constant');
    return { i, from: from!, to: to! };
  }

  /**
   * `const name =` at the cursor (consumed): where it starts, its name, and whether its
   * initializer named a whole part of the state (then declared, and the statement consumed).
   */
  private constHead(): { at: number; name: string; part: boolean; pre?: string } {
    const at = this.p++;
    if (this.peek('{')) {
      // `const { local, self } = env`: the environment's members, as a destructured parameter's.
      const names = this.param() as string[];
      this.expect('=');
      const o = this.operand();
      if (o?.k !== 'env' || !(this.peek(';') || this.peek('}'))) no('a destructuring const of something other than the environment');
      this.eat(';');
      const into = new Scope(undefined);
      this.bind(into, names, o!);
      for (const [n, b] of into.names) this.scope.declare(n, b, at);
      return { at, name: names[0]!, part: true };
    }
    const name = this.name();
    this.expect('=');
    const part = this.partInit();
    if (part?.k === 'pick') {
      // A picked string: its index evaluated here, once (`pre`).
      this.scope.declare(name, { ...part, pre: [] }, at);
      return { at, name, part: true, ...(part.pre.length > 0 ? { pre: part.pre.join(', ') } : {}) };
    }
    if (part?.k === 'node' && part.base !== undefined) {
      // An element picked by a computed index: the index evaluated here, once, as the const's
      // initializer is (`pre`, the statement's code); the name stands for that element after any
      // later write to what the index read.
      const k = this.temp();
      this.scope.declare(name, { k: 'node', node: part.node, base: k }, at);
      return { at, name, part: true, pre: `${k} = ${part.base}` };
    }
    if (part?.k === 'obj' && part.pre !== undefined) {
      // An object a helper computed: its members computed here, once (its code), then read by name.
      this.scope.declare(name, { k: 'obj', fields: part.fields, pre: undefined }, at);
      return { at, name, part: true, pre: part.pre };
    }
    if (part !== undefined) this.scope.declare(name, part, at);
    return { at, name, part: part !== undefined };
  }

  /**
   * A const's initializer that is a whole part of the state (`const row = s.pending[1]`): the
   * name stands for that part (a JavaScript reference to the same object), with the statement's
   * end consumed; otherwise undefined, the cursor where it was.
   */
  private partInit(): Bound | undefined {
    const start = this.p;
    this.initCode = undefined;
    const o = this.chainMayEndAt(STATEMENT_END_AT) ? this.operand() : undefined;
    // A property's string or undefined known when compiling (a thread's name, a tag found), where
    // a thread is, an object a helper returned, too; a picked string (its index evaluated where the const is).
    if (o !== undefined && (o.k === 'node' || o.k === 'pick' || (this.property && (o.k === 'str' || o.k === 'none' || o.k === 'at' || o.k === 'obj'))) && (this.peek(';') || this.peek('}'))) {
      this.eat(';');
      return o;
    }
    // A value (a call's result) that is the whole initializer: kept for the const (initValue),
    // as assign() would compile it from `start`, so that it is not parsed (and inlined) again.
    if (o?.k === 'code' && (this.peek(';') || this.peek('}'))) this.initCode = { code: o.code, toks: this.toks, start, end: this.p };
    this.p = start;
    return undefined;
  }

  /** A const's initializer as a value: what partInit kept, else assign()'s. */
  private initValue(): string {
    const kept = this.initCode;
    this.initCode = undefined;
    if (kept !== undefined && kept.toks === this.toks && kept.start === this.p) {
      this.p = kept.end;
      return kept.code;
    }
    return this.assign();
  }

  /**
   * `throw e;` at the cursor (consumed, `e` not compiled: it is never evaluated here). The
   * compiled step bails instead, and the general path runs the step from scratch and throws the
   * same error, with its message. A throw inside a recipe makes the step an error (StepError) on
   * every path; inside a guard, the guard's error.
   */
  private throwStatement(): void {
    this.p++;
    if (this.toks[this.p]?.nl) no('a line break after throw');
    // To its `;` (consumed) or the block's `}` (not), over brackets. A line break outside
    // brackets may have ended the statement (`throw e` then `else` on the next line): refused,
    // since the statement's end would then be elsewhere than where this scan puts it.
    let depth = 0;
    const first = this.p;
    for (;;) {
      const t = this.toks[this.p];
      if (t === undefined) no('end of source');
      if (depth === 0 && t!.nl && this.p > first && !(t!.t === 'op' && (t!.v === '}' || t!.v === ';'))) no('a throw ended by a line break');
      if (t!.t === 'op') {
        if (t!.v === '(' || t!.v === '[' || t!.v === '{') depth++;
        else if (t!.v === ')' || t!.v === ']') depth--;
        else if (t!.v === '}') {
          if (depth === 0) return;
          depth--;
        } else if (t!.v === ';' && depth === 0) {
          this.p++;
          return;
        }
      }
      this.p++;
    }
  }

  /** Moves the cursor past one statement. */
  private skip(): void {
    if (this.peekId('for') || this.peekId('while')) {
      // The head, then the body (a statement: it may be a block, an if or another loop).
      this.p++;
      this.skipBalanced();
      this.skip();
      return;
    }
    if (this.peekId('if')) {
      this.p++;
      this.skipBalanced();
      this.skip();
      if (this.peekId('else')) {
        this.p++;
        this.skip();
      }
      return;
    }
    if (this.peek('{')) {
      this.skipBalanced();
      return;
    }
    let depth = 0;
    for (;;) {
      const t = this.next();
      if (t.t !== 'op') continue;
      if (t.v === '(' || t.v === '[' || t.v === '{') depth++;
      else if (t.v === ')' || t.v === ']') depth--;
      else if (t.v === '}') {
        if (depth === 0) {
          this.p--; // the enclosing block's end: not part of the statement
          return;
        }
        depth--;
      } else if (t.v === ';' && depth === 0) return;
    }
  }

  /** Moves the cursor past a bracketed group starting at it. */
  /**
   * Whether the postfix chain at the cursor (a name, then `.name`, `?.`, `[...]`, `(...)`) may
   * end at a token `end` accepts: false only when it certainly does not. Where an operand is
   * tried first and its parse thrown away unless such a token follows (an assignment's target,
   * a const's part, a call's bound argument), the try is skipped: it inlines every call in the
   * operand, so an expression of nested calls was parsed twice at each level (its time and temps
   * exponential in the depth: lkmm's memory forms, five levels deep, made 294,483 temps).
   */
  private chainMayEndAt(end: (t: Tok | undefined) => boolean): boolean {
    let q = this.p;
    const t = this.toks[q];
    if (t?.t !== 'id' || KEYWORDS.has(t.v)) return true;
    q++;
    for (;;) {
      const u = this.toks[q];
      if (u?.t !== 'op') break;
      if (u.v === '.') q += 2;
      else if (u.v === '?.') q += this.toks[q + 1]?.t === 'id' ? 2 : 1;
      else if (u.v === '[' || u.v === '(') {
        let depth = 0;
        do {
          const w = this.toks[q++];
          if (w === undefined) return true;
          if (w.t !== 'op') continue;
          if (w.v === '(' || w.v === '[' || w.v === '{') depth++;
          else if (w.v === ')' || w.v === ']' || w.v === '}') depth--;
        } while (depth > 0);
      } else break;
    }
    return end(this.toks[q]);
  }

  private skipBalanced(): void {
    let depth = 0;
    do {
      const t = this.next();
      if (t.t !== 'op') continue;
      if (t.v === '(' || t.v === '[' || t.v === '{') depth++;
      else if (t.v === ')' || t.v === ']' || t.v === '}') depth--;
    } while (depth > 0);
  }

  // ---- statements (the guard's or recipe's own body) -------------------------------------------

  private block(): string {
    this.expect('{');
    const outer = this.scope;
    this.scope = new Scope(outer);
    const out: string[] = [];
    while (!this.eat('}')) out.push(this.statement());
    this.scope = outer;
    return `{ ${out.join(' ')} }`;
  }

  private statement(): string {
    if (this.peek('{')) return this.block();
    if (this.eat(';')) return ';';
    if (this.peekId('return') && this.runLoops > 0) no('a return inside a run-time loop');
    if (this.peekId('if')) {
      this.p++;
      this.expect('(');
      const c = this.expr();
      this.expect(')');
      const fixed = known(c);
      if (fixed !== undefined) {
        // Known when compiling: only the branch taken is compiled (stmt's).
        let out = ';';
        if (fixed) out = this.statement();
        else this.skip();
        if (this.peekId('else')) {
          this.p++;
          if (fixed) this.skip();
          else out = this.statement();
        }
        return out;
      }
      const a = this.statement();
      const b = this.peekId('else') ? (this.p++, ` else ${this.statement()}`) : '';
      return `if (${c}) ${a}${b}`;
    }
    if (this.peekId('return')) {
      this.p++;
      // `return` then a line break returns undefined (a semicolon is inserted): the general path's.
      if (this.toks[this.p]?.nl && !this.peek(';') && !this.peek('}')) no('a line break after return');
      if (this.inShared) {
        // A shared function's return: its value (or undefined).
        const e = this.peek(';') || this.peek('}') ? undefined : this.expr();
        this.end();
        return e === undefined ? 'return;' : `return ${e};`;
      }
      if (this.locate !== undefined) {
        if (this.peek(';') || this.peek('}')) no('a next returning nothing');
        const r = this.result();
        this.end();
        return `return ${r};`;
      }
      const e = this.peek(';') || this.peek('}') ? undefined : this.expr();
      this.end();
      if (this.guard) return `return ${e === undefined ? '0' : `(${e}) ? 1 : 0`};`;
      return `{ ${e === undefined ? '' : `${e};`} return true; }`;
    }
    if (this.peekId('throw')) {
      this.throwStatement();
      return 'bail();';
    }
    if (this.peekId('for') && this.constantBounds()) return this.unrolledStatements();
    if (this.peekId('for') || this.peekId('while')) return this.runLoop(true);
    if (this.peekId('const')) {
      const { at, name, part, pre } = this.constHead();
      if (part) return pre === undefined ? ';' : `${pre};`;
      const e = this.initValue();
      this.end();
      if (known(e) !== undefined) {
        this.scope.declare(name, { k: 'code', code: e }, at);
        return ';';
      }
      const v = `c${this.tmp++}`;
      this.scope.declare(name, { k: 'code', code: v }, at);
      return `const ${v} = ${e};`;
    }
    const t = this.toks[this.p];
    if (t?.t === 'id' && KEYWORDS.has(t.v) && !EXPRESSION_WORDS.has(t.v)) no(`statement ${t.v}`);
    const e = this.expr();
    this.end();
    return `${e};`;
  }

  /**
   * A statement's end: `;` (consumed) or the block's `}`. A line break alone is refused: where
   * the next line starts with `(` JavaScript inserts no semicolon (`return 0\n(x)` calls 0).
   */
  private end(): void {
    if (!this.eat(';') && !this.peek('}')) no('statement end');
  }

  // ---- expressions ---------------------------------------------------------------------------------

  // By precedence. Every result is parenthesised, so the output's precedence is the parse
  // tree's whatever the source's spacing.
  expr(): string {
    let e = this.assign();
    while (this.eat(',')) e = `(${e}, ${this.assign()})`;
    return e;
  }

  private assign(): string {
    const start = this.p;
    // An assignment's target is a postfix expression; try it, and fall back to a conditional.
    const ref = this.chainMayEndAt(ASSIGNS_AT) ? this.operand() : undefined;
    if (ref !== undefined && ref.k === 'leaf') {
      for (const op of ['=', '+=', '-=', '*=', '%=', '&=', '|=', '^=', '<<=', '>>=', '>>>=', '**=']) {
        if (this.peek(op)) {
          if (this.guard) no('assignment in a guard');
          this.p++;
          const rhs = this.assign();
          return this.store(ref, (cur) => (op === '=' ? rhs : `(${cur} ${op.slice(0, -1)} ${rhs})`));
        }
      }
    }
    this.p = start;
    return this.conditional();
  }

  /** `ref = value(current)`: the index is computed once, before the right-hand side (as JS does). */
  private store(ref: { leaf: Leaf; index?: string | undefined }, value: (cur: string) => string): string {
    const set = ref.leaf.kind === 'int' ? 'iset' : 'bset';
    if (ref.index === undefined) return `${set}(t, ${ref.leaf.off}, ${value(this.read(ref.leaf, ref.leaf.off))})`;
    const k = this.temp();
    return `(${k} = ${ref.index}, ${set}(t, ${k}, ${value(this.read(ref.leaf, k))}))`;
  }

  private read(leaf: Leaf, off: string): string {
    return leaf.kind === 'int' ? `${this.mem}[${off}]` : `(${this.mem}[${off}] !== 0)`;
  }

  /**
   * The operand at the cursor, when it starts with a bound name: a part of the state (object,
   * array or leaf), the environment, a function, or a value (a call's result, a constant,
   * `env.self`, an array's length). Undefined (cursor unspecified) when it does not.
   */
  private operand(): Bound | undefined {
    const start = this.p;
    const t = this.toks[this.p];
    let b: Bound | undefined;
    if (t?.t === 'tpl' && this.property && t.quasis !== undefined) {
      // A property's template literal whose parts are known when compiling: a string.
      this.p++;
      b = { k: 'str', value: this.template(t) };
    } else if (this.property && t?.t === 'str' && this.peek('.', 1)) {
      // A property's string literal with a member (`'switch-in:'.length`): a string known when compiling.
      this.p++;
      b = { k: 'str', value: t.v };
    } else if (this.property && t?.t === 'op' && t.v === '[') {
      // A property's array literal of strings (`['on', 'wake'].includes(s.at(t))`): strings known when compiling.
      b = this.stringList();
      if (b === undefined) return undefined;
    } else {
      if (t?.t !== 'id') return undefined;
      b = this.scope.get(t.v, this.p);
      if (b === undefined) return undefined;
      this.p++;
    }
    for (;;) {
      if (b!.k === 'fn') {
        // f(...) and f?.(...) (a function: the same call).
        if (this.peek('?.') && this.peek('(', 1)) this.p++;
        if (!this.peek('(')) return b;
        // localsOf(s, name): a thread's locals, by a name known when compiling.
        if (b!.fn === notStraight) {
          this.expect('(');
          no(this.stringArg('notStraight without a string written there'));
        }
        if (b!.fn === Number && this.property) return this.numberCall();
        b = b!.fn === localsOf ? this.localsCall() : b!.fn === slotIndex ? this.slotIndexCall() : b!.fn === slotKey ? this.slotKeyCall() : this.call(b!.fn);
        continue;
      }
      if (b!.k === 'none') {
        // A property's `x === undefined` (x known when compiling to be undefined: a tag `find`
        // did not find): the constant.
        if (this.property && (this.peek('===') || this.peek('!=='))) return this.comparedConstant(start, undefined);
        // `run?.(d, env)` with no `run`: nothing is called, no argument evaluated; `t?.x` with no
        // `t`: undefined, nothing after it evaluated (a chain going on after it is refused). As a
        // value: undefined (postfix).
        if (this.peek('?.') && this.peek('(', 1)) {
          this.p++;
          this.skipBalanced();
          return { k: 'code', code: '(void 0)' };
        }
        if (this.peek('?.') && this.toks[this.p + 1]?.t === 'id') {
          this.p += 2;
          if (this.peek('(') || this.peek('.') || this.peek('[') || this.peek('?.')) no('a chain going on after an optional member of undefined');
          return b;
        }
        if (this.peek('(') || this.peek('.') || this.peek('[')) no('a call or member of undefined (a TypeError)');
        return b;
      }
      if (b!.k === 'empty') {
        // A member of localsOf's object for a thread without locals (frozen, no own members):
        // undefined, unless Object.prototype has it (refused).
        if (!this.eat('.') && !this.eat('?.')) return b; // an argument (a value: refused by postfix)
        const k = this.next();
        if (k.t !== 'id' || onObjectPrototype(k.v)) no('a member of the empty locals that Object.prototype has');
        b = { k: 'none' };
        continue;
      }
      if (b!.k === 'at') return this.atUse(start, b!.t);
      if (b!.k === 'obj') {
        // `o.NAME` of an object a helper returned: the member (after the code that computed them all).
        if (!this.eat('.')) return b;
        const k = this.next();
        const f: Bound | undefined = k.t === 'id' ? b!.fields.get(k.v) : undefined;
        if (f === undefined && (k.t !== 'id' || onObjectPrototype(k.v))) no('a member of an object literal that Object.prototype has');
        const pre = b!.pre;
        const v: Bound = f ?? { k: 'none' };
        if (pre === undefined || v.k === 'none') {
          if (pre !== undefined) no('a missing member of an object computed here');
          b = v;
          continue;
        }
        if (v.k !== 'code') no('an object member that is no value');
        return { k: 'code', code: `(${pre}, ${(v as { code: string }).code})` };
      }
      if (b!.k === 'str') {
        // A property's string known when compiling (a thread's name, a step's tag): its tests,
        // its length and its comparisons are constants, a slice of it another such string.
        if (this.property && this.peek('.')) {
          b = this.stringMember(b!.value);
          if (b.k !== 'str') return b;
          continue;
        }
        if (this.property && (this.peek('===') || this.peek('!=='))) return this.comparedConstant(start, b!.value);
        return b;
      }
      if (b!.k === 'step') {
        // A step property's step: its members known when compiling.
        if (!this.eat('.')) return b;
        const k = this.next();
        const st = this.ctx.step!;
        if (k.t !== 'id') no('a step member');
        if (k.v === 'threadIndex') return { k: 'code', code: `(${st.threadIndex})` };
        if (k.v === 'thread' || k.v === 'id' || k.v === 'label' || k.v === 'fn') b = { k: 'str', value: st[k.v] };
        else if (k.v === 'tags') b = { k: 'strs', values: st.tags };
        else no('a step member other than thread, threadIndex, id, label, fn, tags');
        continue;
      }
      if (b!.k === 'strs') {
        // A step's tags: includes(a) and length constants, some/every unrolled over them.
        if (!this.eat('.')) return b;
        const m = this.next();
        const values: readonly string[] = b!.values;
        if (m.t === 'id' && m.v === 'length') return { k: 'code', code: `(${values.length})` };
        if (m.t === 'id' && m.v === 'includes' && this.eat('(')) {
          // `includes(s.at(t))`: the thread at one of the locations named (as at() compared with each).
          const save = this.p;
          const o = this.property ? this.operand() : undefined;
          if (o?.k === 'at' && this.eat(')')) {
            const ids = this.ctx.threads!.ids[o.t]!;
            const at = [...new Set(values.map((v) => (v === END ? -1 : ids.get(v))).filter((i) => i !== undefined))];
            return { k: 'code', code: at.length === 0 ? 'false' : `(${at.map((i) => `w[${o.t}] === ${i}`).join(' || ')})` };
          }
          this.p = save;
          const a = this.stringArg();
          this.expect(')');
          return { k: 'code', code: String(values.includes(a)) };
        }
        if (m.t === 'id' && m.v === 'find' && this.peek('(')) {
          // The first tag whose callback is true (each a constant), or undefined: known when compiling.
          const parts = this.callbacks(values.map((value): Bound => ({ k: 'str', value })), true);
          const at = parts.findIndex((r) => r !== 'false');
          if (at >= 0 && parts[at] !== 'true') no('find whose callback is not known when compiling');
          b = at < 0 ? { k: 'none' } : { k: 'str', value: values[at]! };
          continue;
        }
        if (m.t !== 'id' || (m.v !== 'some' && m.v !== 'every') || !this.peek('(')) no('a member of the tags other than length, includes, find, some, every');
        const parts = this.callbacks(values.map((value): Bound => ({ k: 'str', value })), true);
        const every = m.v === 'every';
        return { k: 'code', code: parts.length === 0 ? String(every) : `(${parts.map((r) => `!!(${r})`).join(every ? ' && ' : ' || ')})` };
      }
      if (b!.k === 're') {
        // `re.test(x)`, x a string known when compiling: the constant (no g or y flag: test keeps no state).
        if (!this.eat('.')) return b;
        const m = this.next();
        if (m.t !== 'id' || m.v !== 'test' || !this.eat('(')) no('a member of a regular expression other than test');
        const re = b!.re;
        const a = this.stringArg();
        this.expect(')');
        return { k: 'code', code: String(re.test(a)) };
      }
      if (b!.k === 'list') {
        if (!this.eat('.')) return b;
        b = this.listMember(b!);
        if (b.k === 'code') return b;
        continue;
      }
      if (b!.k === 'info') {
        if (!this.eat('.')) return b;
        b = this.infoMember(start);
        if (b.k === 'code') return b;
        continue;
      }
      if (b!.k === 'consts') {
        // `E.NAME`: an own member of a frozen object of constants; `A[i]` (i known when
        // compiling) of a frozen array; anything else (the object as a value, a member it does
        // not have, which its prototype might answer) is refused.
        let f: Bound | undefined;
        if (this.property && b!.fields.has('length') && this.peek('.') && this.toks[this.p + 1]?.v === 'includes' && this.peek('(', 2)) {
          // A frozen array of strings' `includes(x)`, x a string known when compiling: the constant.
          this.p += 3;
          const values = this.strings(b!.fields);
          const a = this.stringArg();
          this.expect(')');
          return { k: 'code', code: String(values.includes(a)) };
        }
        if (this.eat('[')) {
          const e = this.expr();
          this.expect(']');
          const c = constant(e);
          if (c === undefined) {
            b = this.picked(b!, e);
            continue;
          }
          f = b!.fields.get(String(c));
        } else {
          if (!this.eat('.')) return b; // an argument (a value: refused by postfix)
          const k = this.next();
          f = k.t === 'id' ? b!.fields.get(k.v) : undefined;
        }
        if (f === undefined) no('not a constant of the object');
        b = f!;
        continue;
      }
      if (b!.k === 'env') {
        if (!this.eat('.')) return b;
        const k = this.next();
        if (k.t === 'id' && k.v === 'self') return { k: 'code', code: `(${this.ctx.self})` };
        if (k.t === 'id' && (k.v === 'warnOn' || k.v === 'bugOn') && this.peek('(')) return this.assertion();
        if (k.t === 'id' && k.v === 'threadNames') return this.threadNamesTest();
        if (k.t !== 'id' || k.v !== 'local') no('env member');
        const mine = localsNode(this.ctx.layout, this.ctx.thread);
        if (mine === undefined) no('no locals');
        b = { k: 'node', node: mine! };
        continue;
      }
      if (b!.k === 'code') return b;
      if (b!.k === 'lambda') {
        if (!this.peek('(')) return b;
        b = this.callLambda(b!);
        continue;
      }
      if (b!.k === 'pick') {
        if (this.peek('.') || this.peek('[') || this.peek('(') || this.peek('?.')) no('a member of a picked string');
        return b;
      }
      if (b!.k === 'leaf') {
        if (this.peek('.') || this.peek('[') || this.peek('(') || this.peek('?.')) no('member of a leaf');
        return b;
      }
      const node: LayoutNode = b!.node;
      const base: string | undefined = b!.base;
      // `x?.f` on a part of the state (an object or array, never nullish) is `x.f`.
      if (this.eat('.') || (this.peek('?.') && this.toks[this.p + 1]?.t === 'id' && this.eat('?.'))) {
        const k = this.next();
        if (k.t === 'id' && k.v === 'length' && node.kind === 'array') {
          b = { k: 'code', code: `(${node.length})` };
          continue;
        }
        if (k.t === 'id' && (k.v === 'every' || k.v === 'some') && node.kind === 'array' && this.peek('(')) return this.arrayTest(node, k.v, base);
        if (this.property && k.t === 'id' && (k.v === 'map' || k.v === 'filter') && node.kind === 'array' && this.peek('(')) {
          this.p--;
          b = this.listMember({ k: 'list', items: node.items.map((it) => this.item(it)), conds: undefined, pre: [] });
          continue;
        }
        if (k.t !== 'id' || node.kind !== 'object') no('field');
        if (!node.fields.has(k.v)) {
          // A member the state's object does not have (a thread's locals without a task
          // context): undefined, as on the scratch tree's plain objects, unless Object.prototype
          // has it (refused).
          if (onObjectPrototype(k.v)) no('field');
          // (Of an element picked at run time: out of range, the general path throws there.)
          if (base !== undefined) no('a member an element picked by a computed index lacks');
          b = { k: 'none' };
          continue;
        }
        b = this.at(node.fields.get(k.v)!, base);
      } else if (this.eat('[')) {
        if (node.kind === 'object') {
          // `obj[x]`, x a string known when compiling (a form's parameter bound to one): its member.
          const k = this.stringArg('a member of an object by a key not known when compiling');
          this.expect(']');
          if (!node.fields.has(k)) {
            if (onObjectPrototype(k) || base !== undefined) no('field');
            b = { k: 'none' };
            continue;
          }
          b = this.at(node.fields.get(k)!, base);
          continue;
        }
        if (node.kind !== 'array') no('index of a non-array');
        const arr = node as Extract<LayoutNode, { kind: 'array' }>;
        const save = this.p;
        const lit = this.next();
        if (lit.t === 'num' && this.eat(']')) {
          const i = Number(lit.v);
          if (i >= arr.length) no('index out of range');
          b = this.at(arr.items[i]!, base);
          continue;
        }
        this.p = save;
        const e = this.expr();
        this.expect(']');
        const c = constant(e);
        if (c !== undefined) {
          // A constant index (a bound constant, an unrolled loop's counter): as a literal one.
          if (c < 0 || c >= arr.length) no('index out of range');
          b = this.at(arr.items[c]!, base);
          continue;
        }
        // A computed index: into an array of leaves of one kind in consecutive slots, or of
        // objects or arrays of one shape in consecutive blocks of slots (`s.tasks[env.local.v]`):
        // the element is the first one with `base` slots added to every offset below it (the
        // index times the element's width; `ix` bails on an index out of range, where the
        // general path meets undefined).
        const first = arr.items[0];
        const pre: string = base === undefined ? '' : `${base} + `;
        if (first === undefined) no('computed index into an empty array');
        if (first!.kind === 'int' || first!.kind === 'bool') {
          if (!arr.items.every((it, j) => it.kind === first!.kind && it.offset === first!.offset + j)) no('computed index layout');
          b = { k: 'leaf', leaf: { kind: first!.kind as 'int' | 'bool', off: '' }, index: `(${pre}${this.ctx.pcs + first!.offset} + ix(${e}, ${arr.length}))` };
          continue;
        }
        // (A property's lists read elements by their own offsets: not there.)
        if (this.property) no('computed index into non-leaves');
        const width = (first as { width: number }).width;
        if (!arr.items.every((it, j) => sameShape(first!, it, j * width))) no('computed index into elements of different shapes');
        b = { k: 'node', node: first!, base: `(${pre}ix(${e}, ${arr.length}) * ${width})` };
      } else return b;
    }
  }

  /**
   * `env.warnOn(cond, tag)` / `env.bugOn(cond, tag)` (the cursor at the `(`), in a recipe: when
   * `cond` holds, a bail (the general path runs the step from scratch, fires the assertion and,
   * for a BUG_ON, abandons the rest); otherwise the tag is heard (coverage: the statement was
   * evaluated) through the recipe's site table, by its index: the tag itself never enters the
   * code. The tag is a string: a literal or a bound one.
   */
  private assertion(): Bound {
    if (this.guard) no('an assertion in a guard');
    if (this.loopDepth > 0) no('an assertion inside a run-time loop');
    this.expect('(');
    const cond = this.assign();
    this.expect(',');
    const tag = this.stringArg('an assertion whose tag is not a string known when compiling');
    this.expect(')');
    const i = this.sites.length;
    this.sites.push(tag);
    return { k: 'code', code: `((${cond}) ? bail() : h(${i}))` };
  }

  /**
   * A property's StateInfo member at the cursor (after `s.`): `vars` (the state's variables),
   * `params.NAME` (an integer or boolean parameter: a constant), or `ended(k)` with `k` known
   * when compiling (the thread's program counter is PC_END, -1). Anything else (`at`, `threads`,
   * `local`, ...) is outside the subset.
   */
  private infoMember(start: number): Bound {
    const k = this.next();
    if (k.t === 'id' && k.v === 'vars') return { k: 'node', node: this.ctx.layout.root };
    if (k.t === 'id' && k.v === 'variant' && this.ctx.variant !== undefined) return { k: 'str', value: this.ctx.variant };
    if (k.t === 'id' && k.v === 'threads') return this.threadsMember();
    if (k.t === 'id' && k.v === 'at' && this.eat('(')) return this.atCompared(start);
    if (k.t === 'id' && k.v === 'params' && this.eat('.')) {
      const name = this.name();
      const params = this.ctx.params;
      const v = params !== undefined && Object.prototype.hasOwnProperty.call(params, name) ? params[name] : undefined;
      if (typeof v === 'boolean') return { k: 'code', code: String(v) };
      if (typeof v === 'number' && Number.isSafeInteger(v) && !Object.is(v, -0)) return { k: 'code', code: `(${v})` };
      return no('a parameter that is not an integer or boolean');
    }
    if (k.t === 'id' && k.v === 'ended' && this.eat('(')) return { k: 'code', code: `(w[${this.threadIndex()}] === -1)` };
    if (k.t === 'id' && k.v === 'local' && this.eat('(')) {
      // `s.local(t)`, t known when compiling: that thread's locals (its part of the state).
      const mine = localsNode(this.ctx.layout, this.ctx.threads!.names[this.threadArg()]!);
      if (mine === undefined) no('a thread without locals');
      return { k: 'node', node: mine! };
    }
    return no('a StateInfo member other than vars, params.NAME, threads, ended(t), local(t) or at(t) compared');
  }

  /**
   * `ended(t)`'s thread (the cursor after the `(`; the `)` consumed) as code: its index when known
   * when compiling (threadArg), else the value computed at run time, which must be a thread's
   * index (`ix`: anything else bails, and the property itself says what ended() makes of it).
   */
  private threadIndex(): string {
    const start = this.p;
    try {
      return String(this.threadArg());
    } catch (e) {
      if (!(e instanceof Unsupported) || this.ctx.threads === undefined) throw e;
    }
    this.p = start;
    const e = this.assign();
    this.expect(')');
    return `ix(${e}, ${this.ctx.pcs})`;
  }

  /**
   * A string argument known when compiling (the cursor at it, consumed): a literal or a name bound
   * to a string; anything else refuses the function, for the reason `refused`.
   */
  private stringArg(refused = 'a string not known when compiling'): string {
    const t = this.toks[this.p];
    if (t?.t === 'str') {
      this.p++;
      return t.v;
    }
    const o = this.operand();
    if (o === undefined || o.k !== 'str') no(refused);
    return (o as { value: string }).value;
  }

  /**
   * `return { a: e1, b: e2 };` in a property's inlined body (the cursor at the `{`; the statement's
   * end checked): each member's value computed into a variable, in order, as the literal does
   * (the code, ending in 0); the members recorded in `r`. Names only (no shorthand, computed
   * name, spread or method), each once.
   */
  private objectReturned(r: { fields: Map<string, Bound> | undefined }): string {
    if (r.fields !== undefined) no('two object literals returned');
    this.expect('{');
    const fields = new Map<string, Bound>();
    const code: string[] = [];
    while (!this.eat('}')) {
      const k = this.next();
      if ((k.t !== 'id' && k.t !== 'str') || fields.has(k.v) || k.v === '__proto__') no('an object literal of another form');
      this.expect(':');
      const v = this.temp();
      code.push(`${v} = ${this.assign()}`);
      fields.set(k.v, { k: 'code', code: v });
      if (!this.peek('}')) this.expect(',');
    }
    if (!this.peek(';') && !this.peek('}')) no('statement end');
    r.fields = fields;
    return `(${[...code, '0'].join(', ')})`;
  }

  /**
   * `Number(x)` in a property (the global Number bound by name: `bind: { Number }`; the cursor at
   * the `(`), `x` a string known when compiling (a step's tag sliced): the integer it is, a
   * constant; anything else (no integer, -0, another argument) refused.
   */
  private numberCall(): Bound {
    this.expect('(');
    const x = this.stringArg('Number of something other than a string known when compiling');
    this.expect(')');
    const v = Number(x);
    if (!Number.isSafeInteger(v) || Object.is(v, -0)) no('Number of a string that is no integer');
    return { k: 'code', code: `(${v})` };
  }

  /** `['a', 'b']` at the cursor (consumed): a list of string literals; undefined (the cursor where it was) for any other array literal. */
  private stringList(): Bound | undefined {
    const start = this.p++;
    const values: string[] = [];
    while (!this.eat(']')) {
      const t = this.toks[this.p];
      if (t?.t !== 'str') {
        this.p = start;
        return undefined;
      }
      this.p++;
      values.push(t.v);
      if (!this.peek(']') && !this.eat(',')) {
        this.p = start;
        return undefined;
      }
    }
    return { k: 'strs', values };
  }

  /**
   * `x.startsWith(a)`, `x.endsWith(a)`, `x.includes(a)`, `x.length` or `x.slice(i)` /
   * `x.slice(i, j)` (the cursor at the `.`), `x` a string known when compiling (a thread's name, a
   * bound string), `a` one too and `i`, `j` integers known when compiling: the constant
   * JavaScript's method gives (slice: a string known when compiling).
   */
  private stringMember(x: string): Bound {
    this.expect('.');
    const m = this.next();
    if (m.t === 'id' && m.v === 'length') return { k: 'code', code: `(${x.length})` };
    if (m.t === 'id' && m.v === 'slice' && this.eat('(')) {
      const from = constant(this.assign());
      const to = this.eat(',') ? constant(this.assign()) : x.length;
      this.expect(')');
      if (from === undefined || to === undefined) no('a slice not known when compiling');
      return { k: 'str', value: x.slice(from, to) };
    }
    if (m.t !== 'id' || (m.v !== 'startsWith' && m.v !== 'endsWith' && m.v !== 'includes')) no('a string member other than startsWith, endsWith, includes, length, slice');
    this.expect('(');
    const a = this.stringArg();
    this.expect(')');
    const r = m.v === 'startsWith' ? x.startsWith(a) : m.v === 'endsWith' ? x.endsWith(a) : x.includes(a);
    return { k: 'code', code: String(r) };
  }

  /**
   * `x === y` or `x !== y` (the cursor at the operator), `x` known when compiling (a string, or
   * undefined) and `y` a string known when compiling or `undefined`: the constant. Compiled only
   * where nothing before `x` (its operand began at `start`) or after `y` binds tighter than `===`.
   */
  private comparedConstant(start: number, x: string | undefined): Bound {
    if (!opensComparison(this.toks[start - 1])) no('a comparison where an operator before it binds tighter than ===');
    const equal = this.next().v === '===';
    let y: string | undefined;
    if (this.peekId('undefined') && this.scope.get('undefined', this.p) === undefined) this.p++;
    else y = this.stringArg('a string compared with something not known when compiling');
    if (!endsComparison(this.toks[this.p])) no('a comparison, then an operator that binds tighter');
    return { k: 'code', code: String((x === y) === equal) };
  }

  /** A frozen array of strings (a bound one, as its constants' fields): its items; anything else refused. */
  private strings(fields: ReadonlyMap<string, Bound>): string[] {
    const n = fields.get('length');
    const len = n?.k === 'code' ? constant(n.code) : undefined;
    if (len === undefined) no('includes of something other than an array');
    const out: string[] = [];
    for (let j = 0; j < len!; j++) {
      const v = fields.get(String(j));
      if (v?.k !== 'str') no('includes of an array that is not all strings');
      out.push((v as { value: string }).value);
    }
    return out;
  }

  /**
   * A template literal a property reads (its token, already consumed): its value, each
   * substitution a string known when compiling or an integer constant (which `${}` writes as
   * String(n)). Anything else in it is outside the subset.
   */
  private template(tok: Tok): string {
    let out = tok.quasis![0]!;
    const saved = { toks: this.toks, p: this.p };
    try {
      tok.subs!.forEach((src, j) => {
        this.toks = tokensOf(src);
        this.p = 0;
        const o = this.operand();
        let v: string;
        if (o !== undefined && o.k === 'str' && this.p === this.toks.length) v = o.value;
        else {
          this.p = 0;
          const c = constant(this.expr());
          if (c === undefined || this.p !== this.toks.length) no('a template substitution not known when compiling');
          v = String(c);
        }
        out += v + tok.quasis![j + 1]!;
      });
    } finally {
      this.toks = saved.toks;
      this.p = saved.p;
    }
    return out;
  }

  /** An element of an array of the state, as a list holds it: a leaf read (a value), or the part. */
  private item(node: LayoutNode): Bound {
    const b = this.at(node);
    return b.k === 'leaf' ? { k: 'code', code: this.read(b.leaf, b.leaf.off) } : b;
  }

  /**
   * A callback written there, `(x) => e` or `(x, i) => e` (the cursor at the call's `(`; its `)`
   * consumed), parsed once for each of `items`: `x` bound to the item and `i` to its index (a
   * constant; refused where `index` is false). The code of each call, in order.
   */
  private callbacks(items: readonly Bound[], index: boolean): string[] {
    this.expect('(');
    const names: string[] = [];
    if (this.eat('(')) {
      while (!this.eat(')')) {
        names.push(this.name());
        if (!this.peek(')')) this.expect(',');
      }
    } else names.push(this.name());
    if (names.length === 0 || names.length > (index ? 2 : 1) || new Set(names).size !== names.length) no('a callback of another form');
    this.expect('=>');
    if (this.peek('{')) no('a callback with a block body');
    const body = this.p;
    const outer = this.scope;
    const parts: string[] = [];
    let end = -1;
    for (let j = 0; j < items.length; j++) {
      this.p = body;
      this.scope = new Scope(outer);
      this.scope.names.set(names[0]!, items[j]!);
      if (names[1] !== undefined) this.scope.names.set(names[1], { k: 'code', code: `(${j})` });
      parts.push(this.assign());
      if (end >= 0 && this.p !== end) no('a callback parsed to different ends');
      end = this.p;
      this.scope = outer;
    }
    if (items.length === 0) {
      // Never called: skipped unparsed (nothing in it is evaluated).
      this.p = body;
      this.skipExpression();
    }
    this.expect(')');
    return parts;
  }

  /** Moves the cursor past an expression ending at a `)` or `,` outside brackets. */
  private skipExpression(): void {
    let depth = 0;
    for (;;) {
      const t = this.toks[this.p];
      if (t === undefined) no('end of source');
      if (t!.t === 'op') {
        if (t!.v === '(' || t!.v === '[' || t!.v === '{') depth++;
        else if (t!.v === ')' || t!.v === ']' || t!.v === '}') {
          if (depth === 0) return;
          depth--;
        } else if (t!.v === ',' && depth === 0) return;
      }
      this.p++;
    }
  }

  /**
   * A member of a property's array value (the cursor at its name), an array of the state's
   * `map`/`filter` or a declared helper's result (`cpusOf(s).filter(...)`), unrolled over the
   * length known when compiling: `map(cb)` and `filter(cb)` another list (each callback evaluated
   * now, in order, into a variable, as the methods evaluate them eagerly: `pre`; a filtered item
   * has a condition, and later callbacks run only where it holds), `length` (the count of items
   * whose condition holds), `every(cb)` / `some(cb)` (short-circuited where the method stops). The
   * index argument of a callback only where no item was filtered out (elsewhere it is not known).
   */
  private listMember(list: Extract<Bound, { k: 'list' }>): Bound {
    const m = this.next();
    const seq = (e: string) => (list.pre.length === 0 ? e : `(${list.pre.join(', ')}, ${e})`);
    if (m.t === 'id' && m.v === 'length') {
      if (list.conds === undefined) return { k: 'code', code: seq(`(${list.items.length})`) };
      return { k: 'code', code: seq(list.conds.length === 0 ? '(0)' : `(${list.conds.map((c) => `(${c} ? 1 : 0)`).join(' + ')})`) };
    }
    if (m.t !== 'id' || !['map', 'filter', 'every', 'some'].includes(m.v) || !this.peek('(')) no('a member of an array value other than length, map, filter, every, some');
    const conds = list.conds;
    const parts = this.callbacks(list.items, conds === undefined);
    const pre = [...list.pre];
    if (m.v === 'map') {
      if (conds !== undefined) no('map of a filtered array');
      const items: Bound[] = parts.map((r) => {
        if (constant(r) !== undefined || r === 'true' || r === 'false') return { k: 'code', code: r };
        const k = this.temp();
        pre.push(`${k} = ${r}`);
        return { k: 'code', code: k };
      });
      return { k: 'list', items, conds: undefined, pre };
    }
    if (m.v === 'filter') {
      const next = parts.map((r, j) => {
        const k = this.temp();
        pre.push(`${k} = ${conds === undefined ? '' : `${conds[j]} && `}!!(${r})`);
        return k;
      });
      return { k: 'list', items: list.items, conds: next, pre };
    }
    const every = m.v === 'every';
    const tests = parts.map((r, j) => (conds === undefined ? `!!(${r})` : every ? `(!${conds[j]} || !!(${r}))` : `(${conds[j]} && !!(${r}))`));
    const joined = tests.length === 0 ? String(every) : `(${tests.join(every ? ' && ' : ' || ')})`;
    return { k: 'code', code: pre.length === 0 ? joined : `(${pre.join(', ')}, ${joined})` };
  }

  /**
   * A thread argument of `ended(t)` / `at(t)` (the cursor after the `(`; the `)` consumed): its
   * index, known when compiling: an index in range, or a thread's name (a string literal, or a
   * name bound to one: `s.threads.every((t) => s.ended(t))`). A name that is no thread's (the
   * property throws) or anything else is refused.
   */
  private threadArg(): number {
    const threads = this.ctx.threads;
    if (threads === undefined) no('no threads known');
    const lit = this.toks[this.p];
    let t: number | undefined;
    if (lit?.t === 'str') {
      this.p++;
      t = threads!.names.indexOf(lit.v);
    } else {
      const at = this.p;
      const o = this.operand();
      if (o !== undefined && o.k === 'str' && this.peek(')')) t = threads!.names.indexOf(o.value);
      else {
        this.p = at;
        t = constant(this.assign());
      }
    }
    this.expect(')');
    if (t === undefined || t < 0 || t >= this.ctx.pcs) no('a thread not known when compiling');
    return t!;
  }

  /**
   * `s.at(t) === 'id'` or `!==` (the cursor after `at(`): where thread t is, compared with a
   * location id written there, as `w[t] === index` (END's id: PC_END, -1; an id that is none of
   * the thread's: the constant result, since at() returns only those). at() returns a string,
   * used only so: compiled only when nothing before it binds tighter than `===` (the token
   * before the operand opens an expression or is a logical operator) and nothing after the id does.
   */
  private atCompared(start: number): Bound {
    return this.atUse(start, this.threadArg());
  }

  /**
   * Where thread `t` is (`s.at(t)`, or a const naming it, whose operand began at `start`; the
   * cursor after it): compared (atCompared), tested (atTest), or, followed by neither, itself (a
   * const's initializer names it: its uses are compiled where they are; anything else refuses it).
   */
  private atUse(start: number, t: number): Bound {
    if (this.peek('.')) return this.atTest(t);
    if (!this.peek('===') && !this.peek('!==')) return { k: 'at', t };
    if (!opensComparison(this.toks[start - 1])) no('at() where an operator before it binds tighter than ===');
    const op = this.peek('===') ? '===' : '!==';
    this.p++;
    const id = this.toks[this.p];
    if (id?.t !== 'str') no('at() compared with something other than a location id written there');
    this.p++;
    if (!endsComparison(this.toks[this.p])) no('at() compared, then an operator that binds tighter');
    const index = id!.v === END ? -1 : this.ctx.threads!.ids[t]!.get(id!.v);
    if (index === undefined) return { k: 'code', code: op === '===' ? 'false' : 'true' };
    return { k: 'code', code: `(w[${t}] ${op} ${index})` };
  }

  /**
   * `s.at(t).startsWith(a)`, `.endsWith(a)` or `.includes(a)` (the cursor at the `.`), `a` a
   * string known when compiling: true exactly at the thread's locations whose id (END's included)
   * passes the test, compiled as the program counter compared with each of their indices.
   */
  private atTest(t: number): Bound {
    this.expect('.');
    const m = this.next();
    if (m.t !== 'id' || (m.v !== 'startsWith' && m.v !== 'endsWith' && m.v !== 'includes')) no('a method of at() other than startsWith, endsWith, includes');
    this.expect('(');
    const a = this.stringArg();
    this.expect(')');
    const test = (id: string) => (m.v === 'startsWith' ? id.startsWith(a) : m.v === 'endsWith' ? id.endsWith(a) : id.includes(a));
    const at = new Set<number>();
    if (test(END)) at.add(-1);
    for (const [id, index] of this.ctx.threads!.ids[t]!) if (test(id)) at.add(index);
    if (at.size === 0) return { k: 'code', code: 'false' };
    return { k: 'code', code: `(${[...at].map((i) => `w[${t}] === ${i}`).join(' || ')})` };
  }

  /**
   * `s.threads.length` (a constant), `s.threads[k]` (k a constant), or `s.threads.every(cb)` / `.some(cb)` with an arrow
   * callback written there, unrolled over the threads: the name a string (for ended/at), the
   * index a constant. Anything else of the names is outside the subset.
   */
  private threadsMember(): Bound {
    const threads = this.ctx.threads;
    if (threads === undefined) no('no threads known');
    if (this.eat('[')) {
      // `s.threads[k]`, k known when compiling (a step's threadIndex): that thread's name, a
      // string known when compiling (compared, a constant); past the names undefined, as there.
      const k = constant(this.expr());
      this.expect(']');
      if (k === undefined) no('a thread name by an index not known when compiling');
      const name = Number.isInteger(k) ? threads!.names[k!] : undefined;
      return name === undefined ? { k: 'none' } : { k: 'str', value: name };
    }
    if (!this.eat('.')) no('the thread names as a value');
    const m = this.next();
    if (m.t === 'id' && m.v === 'length') return { k: 'code', code: `(${threads!.names.length})` };
    if (m.t === 'id' && (m.v === 'includes' || m.v === 'indexOf') && this.eat('(')) {
      // A thread's name written there (or bound): where it is among the names, a constant.
      const name = this.stringArg();
      this.expect(')');
      const i = threads!.names.indexOf(name);
      return { k: 'code', code: m.v === 'includes' ? String(i >= 0) : `(${i})` };
    }
    if (m.t !== 'id' || (m.v !== 'every' && m.v !== 'some') || !this.peek('(')) no('a method of the thread names other than every/some/includes/indexOf');
    return this.unrolledTest(
      threads!.names.map((n) => ({ k: 'str', value: n })),
      m.v as 'every' | 'some',
    );
  }

  /**
   * `arr.every(cb)` / `arr.some(cb)` over an array of the state (the cursor at the `(`), in code
   * that only reads (a guard, a next, a property), `cb` an arrow function written there,
   * `(x) => e` or `(x, i) => e` with an expression body: unrolled over the array's fixed length,
   * `x` the element (read through, as the callback's argument is the element itself; no write
   * can change it in between) and `i` its index, a constant. `!!` each, joined by `&&` (every) or
   * `||` (some): the same results, short-circuited where the method stops.
   */
  private arrayTest(arr: Extract<LayoutNode, { kind: 'array' }>, method: 'every' | 'some', base?: string): Bound {
    return this.unrolledTest(
      arr.items.map((node) => {
        const item = this.at(node, base);
        if (item.k !== 'leaf') return item;
        return { k: 'code', code: item.index === undefined ? this.read(item.leaf, item.leaf.off) : this.read(item.leaf, item.index) };
      }),
      method,
    );
  }

  /**
   * `env.threadNames.every(cb)` / `.some(cb)` (the cursor after `threadNames`), in code that
   * only reads: unrolled over the model's threads in order, the callback's name a string (for
   * localsOf), its index a constant. The names as anything else are outside the subset.
   */
  private threadNamesTest(): Bound {
    const names = this.ctx.threadNames;
    if (names === undefined) no('no thread names known');
    if (!this.eat('.')) no('the thread names as a value');
    const m = this.next();
    if (m.t !== 'id' || (m.v !== 'every' && m.v !== 'some') || !this.peek('(')) no('a method of the thread names other than every/some');
    return this.unrolledTest(
      names!.map((n) => ({ k: 'str', value: n })),
      m.v as 'every' | 'some',
    );
  }

  /**
   * `localsOf(s, name)` (the cursor at the `(`): the locals of the thread named by a string known
   * when compiling, in the state `s` (the whole state: its root); for a thread without locals,
   * localsOf's frozen empty object, each of whose members is undefined.
   */
  private localsCall(): Bound {
    this.expect('(');
    const s = this.operand();
    if (s === undefined || s.k !== 'node' || s.node !== this.ctx.layout.root || s.base !== undefined) no('localsOf of something other than the state');
    this.expect(',');
    const name = this.stringArg('localsOf with a thread name not known when compiling');
    this.expect(')');
    const node = localsNode(this.ctx.layout, name);
    return node === undefined ? { k: 'empty' } : { k: 'node', node };
  }

  /** every/some (the cursor at the `(`) over `items`, what the callback's first parameter is bound to for each element. */
  private unrolledTest(items: Bound[], method: 'every' | 'some'): Bound {
    if (!this.guard) no('every/some in a recipe');
    const parts = this.callbacks(items, true);
    if (parts.length === 0) no('every/some over an empty array');
    return { k: 'code', code: `(${parts.map((c) => `!!(${c})`).join(method === 'every' ? ' && ' : ' || ')})` };
  }

  /** A node of the layout as an operand: a leaf's slot, or the part; `base` (code) added to its offsets. */
  private at(node: LayoutNode, base?: string): Bound {
    if (node.kind === 'int' || node.kind === 'bool') {
      if (base === undefined) return { k: 'leaf', leaf: { kind: node.kind, off: String(this.ctx.pcs + node.offset) } };
      return { k: 'leaf', leaf: { kind: node.kind, off: '' }, index: `(${base} + ${this.ctx.pcs + node.offset})` };
    }
    return base === undefined ? { k: 'node', node } : { k: 'node', node, base };
  }

  private conditional(): string {
    const c = this.binary(0);
    if (this.eat('?')) {
      // A condition known when compiling (a property's `from === undefined` of a step's tag, a
      // memory model's test of the layout): only the branch JavaScript evaluates is compiled; the
      // other is skipped unparsed (it may read what the condition rules out, a member of undefined).
      const fixed = known(c);
      if (fixed !== undefined) {
        if (!fixed) this.skipBranch(true);
        const a = this.assign();
        if (fixed) {
          this.expect(':');
          this.skipBranch(false);
        }
        return a;
      }
      const a = this.assign();
      this.expect(':');
      const b = this.assign();
      return `(${c} ? ${a} : ${b})`;
    }
    return c;
  }

  /**
   * Moves the cursor past a conditional's branch: `consequent` the one after `?` (and its `:`),
   * else the one after `:` (to where an assignment expression ends: a `,`, a closing bracket, a
   * `;`, or the `:` of an enclosing conditional), over brackets and nested conditionals.
   */
  private skipBranch(consequent: boolean): void {
    let depth = 0;
    let open = 0;
    for (;;) {
      const t = this.toks[this.p];
      if (t === undefined) {
        if (consequent || depth > 0) no('end of source');
        return;
      }
      if (t.t === 'op') {
        if (t.v === '(' || t.v === '[' || t.v === '{') depth++;
        else if (t.v === ')' || t.v === ']' || t.v === '}') {
          if (depth === 0) {
            if (consequent) no('a conditional without its :');
            return;
          }
          depth--;
        } else if (depth === 0 && t.v === '?') open++;
        else if (depth === 0 && t.v === ':') {
          if (open > 0) open--;
          else {
            if (consequent) this.p++;
            return;
          }
        } else if (depth === 0 && (t.v === ',' || t.v === ';')) {
          if (consequent) no('a conditional without its :');
          return;
        }
      }
      this.p++;
    }
  }

  private static readonly LEVELS: string[][] = [
    ['||'],
    ['&&'],
    ['|'],
    ['^'],
    ['&'],
    ['===', '!==', '==', '!='],
    ['<', '>', '<=', '>='],
    ['<<', '>>', '>>>'],
    ['+', '-'],
    ['*', '%'],
  ];

  private binary(level: number): string {
    if (level === Gen.LEVELS.length) return this.unary();
    let e = this.binary(level + 1);
    for (;;) {
      const op = Gen.LEVELS[level]!.find((o) => this.peek(o));
      if (op === undefined) return e;
      this.p++;
      const rhs = this.binary(level + 1);
      e = fold(e, op, rhs) ?? `(${e} ${op} ${rhs})`;
    }
  }

  private unary(): string {
    for (const op of ['!', '-', '+', '~'])
      if (this.eat(op)) {
        const e = this.unary();
        const p = op === '!' ? literalBoolean(e) : undefined;
        return p !== undefined ? String(!p) : `(${op} ${e})`;
      }
    if (this.peek('++') || this.peek('--')) {
      const op = this.next().v;
      if (this.guard) no('assignment in a guard');
      const ref = this.operand();
      if (ref === undefined || ref.k !== 'leaf' || ref.leaf.kind !== 'int') no('++/-- on a non-int');
      return this.store(ref as { leaf: Leaf; index?: string }, (cur) => `(${cur} ${op[0]} 1)`);
    }
    if (this.peekId('void')) {
      this.p++;
      return `(void ${this.unary()})`;
    }
    return this.postfix();
  }

  private postfix(): string {
    const start = this.p;
    const ref = this.operand();
    if (ref !== undefined) {
      const defined = this.definedTest(start, ref);
      if (defined !== undefined) return defined;
      if (ref.k === 'code') return ref.code;
      if (ref.k === 'none') return '(void 0)';
      if (ref.k !== 'leaf') no('a part of the state, the environment or a function used as a value');
      const leaf = ref as { leaf: Leaf; index?: string | undefined };
      if (this.peek('++') || this.peek('--')) {
        const op = this.next().v;
        if (this.guard) no('assignment in a guard');
        if (leaf.leaf.kind !== 'int') no('++/-- on a non-int');
        // x++ is the old value (an int32 read from the array: already a number).
        const old = this.temp();
        return `(${this.store(leaf, (cur) => `((${old} = ${cur}) ${op[0]} 1)`)}, ${old})`;
      }
      if (leaf.index === undefined) return this.read(leaf.leaf, leaf.leaf.off);
      const k = this.temp();
      return `(${k} = ${leaf.index}, ${this.read(leaf.leaf, k)})`;
    }
    this.p = start;
    return this.primary();
  }

  /**
   * `x === undefined` / `x !== undefined` (the cursor after `x`, an operand starting at `start`)
   * where `x` is a part of the state or one of its leaves (never undefined) or a member the state
   * lacks (undefined): the constant, the comparison consumed (`m.pw === undefined`: whether the
   * memory has lkmm's pending stores). Only where nothing before `x` or after `undefined` binds
   * tighter than `===` (as at() compared); otherwise undefined, the cursor unmoved.
   */
  private definedTest(start: number, ref: Bound): string | undefined {
    // (Not through an index computed at run time: out of range, the general path throws there.)
    if (!((ref.k === 'node' && ref.base === undefined) || (ref.k === 'leaf' && ref.index === undefined) || ref.k === 'none')) return undefined;
    const op = this.peek('===') ? '===' : this.peek('!==') ? '!==' : undefined;
    const u = this.toks[this.p + 1];
    if (op === undefined || u?.t !== 'id' || u.v !== 'undefined') return undefined;
    const before = this.toks[start - 1];
    const opens = before === undefined || (before.t === 'op' && ['(', '&&', '||', '?', ':', '=>', ',', '{', ';', '!'].includes(before.v)) || (before.t === 'id' && before.v === 'return');
    const after = this.toks[this.p + 2];
    const closes = after === undefined || (after.t === 'op' && [')', '&&', '||', '?', ':', ',', ';', '}'].includes(after.v));
    if (!opens || !closes) no('=== undefined where an operator binds tighter');
    this.p += 2;
    return String((ref.k === 'none') === (op === '==='));
  }

  private primary(): string {
    const t = this.next();
    if (t.t === 'num') {
      const n = Number(t.v);
      if (!Number.isSafeInteger(n)) no('large literal');
      return String(n);
    }
    if (t.t === 'op' && t.v === '(') {
      const e = this.expr();
      this.expect(')');
      return `(${e})`;
    }
    if (t.t === 'id' && (t.v === 'true' || t.v === 'false')) return t.v;
    if (t.t === 'id' && !KEYWORDS.has(t.v)) return no(`undeclared name ${t.v} (from the function's closure)`);
    if (t.t === 'str' || t.t === 'tpl') return no('a string used as a value');
    return no(`name or token ${t.v}`);
  }
}

/** Is `b` laid out as `a` is, `shift` slots further on (the same kinds, lengths and field names)? */
function sameShape(a: LayoutNode, b: LayoutNode, shift: number): boolean {
  if (a.kind !== b.kind || b.offset !== a.offset + shift) return false;
  if (a.kind === 'array') {
    const bb = b as typeof a;
    return a.length === bb.length && a.width === bb.width && a.items.every((it, j) => sameShape(it, bb.items[j]!, shift));
  }
  if (a.kind === 'object') {
    const bb = b as typeof a;
    if (a.width !== bb.width || a.fields.size !== bb.fields.size) return false;
    for (const [k, v] of a.fields) {
      const w = bb.fields.get(k);
      if (w === undefined || !sameShape(v, w, shift)) return false;
    }
    return true;
  }
  return true;
}

// ---- what a function compiles from, and the cache ------------------------------------------------
//
// The code generated for a function depends on: the source text of the function and of every
// function its declared forms bind (transitively), the integer and boolean constants those
// forms bind, the layout (slot offsets, array lengths, field names, the locals' place), `pcs`,
// `self` and the thread's name (which locals `env.local` is), whether it is a guard, recipe or
// next, and for a next the thread's location names and indices. `plan` reads the function's
// forms ONCE into a snapshot (Resolved, by function) and a key naming all of the function-side
// inputs; the generator then reads only that snapshot (Gen.resolved), so the key and the code
// come from the same reading even if a form's `bind` were changed later. The cache key joins the
// plan's key with the rest (contextKey, the locations). Two models (or two compiles, thread
// instances, the command thread and a later check in one process) share an entry only when
// every input is equal, so the generated code is the same; a refusal is cached like code. The
// key is never code: nothing from it reaches the generated text.

/** A function as the generator reads it: a declared conjunction, or a source and what its form binds. */
type Resolved = { all: readonly Function[] } | ResolvedSource;
type ResolvedSource = { src: string | undefined; bind: ReadonlyArray<readonly [string, Bound]>; shared?: boolean };
interface Plan {
  of: ReadonlyMap<Function, Resolved>;
  key: string;
}

/** Reads `root` and the functions its forms bind, transitively (each once: a function met again is named by its number). */
function plan(root: Function): Plan {
  const of = new Map<Function, Resolved>();
  const seen = new Map<Function, number>();
  let key = '';
  const visit = (fn: Function): void => {
    const at = seen.get(fn);
    if (at !== undefined) {
      key += `#${at}`;
      return;
    }
    seen.set(fn, seen.size);
    if (fn === localsOf || fn === slotIndex || fn === slotKey || fn === notStraight) {
      // Compiled by the generator itself (localsCall, slotIndexCall, slotKeyCall, a refusal), not from its source.
      of.set(fn, { src: undefined, bind: [] });
      key += fn === localsOf ? '(L)' : fn === slotIndex ? '(I)' : fn === slotKey ? '(K)' : '(N)';
      return;
    }
    const form = formOf(fn);
    if (form !== undefined && 'all' in form) {
      const all = [...form.all];
      of.set(fn, { all });
      key += '(&';
      for (const g of all) visit(g);
      key += ')';
      return;
    }
    const e = sourceEntry(form?.fn ?? fn);
    const bind: [string, Bound][] = [];
    const shared = form !== undefined && 'shared' in form && form.shared === true;
    of.set(fn, { src: e?.src, bind, ...(shared ? { shared } : {}) });
    key += e === null ? '(?' : `(${e.id}`;
    if (shared) key += '!';
    if (form !== undefined)
      for (const [k, v] of Object.entries(form.bind ?? {})) {
        const at = key.length;
        key += `;${keyText(k)}=`;
        const b = value(v, 0);
        if (b !== undefined) bind.push([k, b]);
        // Anything else stays unbound (using it is outside the subset): the same as not bound.
        else key = key.slice(0, at);
      }
    key += ')';
  };
  /**
   * What a bound value stands for, its key appended (undefined: not bindable, nothing appended):
   * a function (visited), an integer, boolean or string constant, undefined, or a frozen plain
   * object or array (an enum, a table of lock references) of such members, nested at most 4 deep.
   */
  const value = (v: unknown, depth: number): Bound | undefined => {
    if (typeof v === 'function') {
      visit(v);
      return { k: 'fn', fn: v };
    }
    if (typeof v === 'boolean') {
      key += String(v);
      return { k: 'code', code: String(v) };
    }
    if (typeof v === 'number' && Number.isSafeInteger(v) && !Object.is(v, -0)) {
      key += String(v);
      return { k: 'code', code: `(${v})` };
    }
    if (typeof v === 'string') {
      key += `s${keyText(v)}`;
      return { k: 'str', value: v };
    }
    if (v === undefined) {
      key += 'u';
      return { k: 'none' };
    }
    if (v instanceof RegExp && !v.global && !v.sticky) {
      // Its source and flags are what `test` reads (lastIndex only with g or y).
      key += `r${keyText(v.source)}${keyText(v.flags)}`;
      return { k: 're', re: v };
    }
    if (depth >= 4 || !frozenConstants(v)) return undefined;
    // Frozen: its members cannot change after the code is generated from them. Accessors (they
    // run code) and members of other kinds stay unbound (reading one is refused).
    const fields = new Map<string, Bound>();
    key += Array.isArray(v) ? 'a{' : 'o{';
    for (const name of Object.getOwnPropertyNames(v)) {
      const d = Object.getOwnPropertyDescriptor(v, name)!;
      if (!('value' in d)) continue;
      const at = key.length;
      key += `${keyText(name)}=`;
      const b = value(d.value as unknown, depth + 1);
      if (b === undefined) key = key.slice(0, at);
      else {
        fields.set(name, b);
        key += ';';
      }
    }
    key += '}';
    return { k: 'consts', fields };
  };
  visit(root);
  return { of, key };
}

/** A frozen plain object, or a frozen array: what a form may bind as an object of constants. */
function frozenConstants(v: unknown): v is object {
  if (typeof v !== 'object' || v === null || !Object.isFrozen(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return Array.isArray(v) ? proto === Array.prototype : proto === Object.prototype || proto === null;
}

/** Is `name` a member of Object.prototype (which a plain object lacking it answers with)? It has no prototype of its own. */
const onObjectPrototype = (name: string): boolean => hasOwnKey(Object.prototype, name);

/**
 * The cached result for `fn` (kind g: guard, n: next, r: recipe) in `ctx`, or `make`'s from
 * the body generated now (or handed over under the same key: seedGenerated). `locations` (a
 * next's) is part of what the code depends on, and so is whether anybody hears assertions
 * (ctx.hear; who hears is the model's, outside the code).
 */
function compiled(kind: 'g' | 'n' | 'r' | 'p', fn: Function | undefined, ctx: StraightContext, locations: ReadonlyMap<string, number> | undefined, make: (g: Generated) => Function): Made | string {
  const memo = liveMemo();
  const p = fn === undefined ? undefined : plan(fn);
  let locs = '';
  if (locations !== undefined) for (const [id, at] of locations) locs += `${keyText(id)}=${at};`;
  const layout = layoutId(ctx.layout);
  const key = `${kind}${ctx.pcs},${ctx.self},${keyText(ctx.thread)},${layout},${ctx.hear === undefined ? 0 : 1},${locs}${paramsKey(ctx.params)}${ctx.variant === undefined ? '' : `,v${keyText(ctx.variant)}`}${threadsKey(ctx.threads)}${threadNamesKey(ctx.threadNames)}${stepKey(ctx.step)}|${p?.key ?? '-'}`;
  let r = memo.results.get(key);
  if (r === undefined) {
    let g: GeneratedEntry;
    if (p === undefined) g = { body: '', temps: [], sites: [] };
    else {
      const seed = memo.seeds.get(key);
      if (seed !== undefined) {
        g = seed;
        straightCounts.seeded++;
      } else {
        const locate = locations === undefined ? undefined : (id: string) => (id === END ? PC_END_INDEX : locations.get(id));
        g = generate(p, fn!, ctx, kind !== 'r', locate, kind === 'p');
        straightCounts.generated++;
      }
    }
    r = typeof g === 'string' ? g : { f: make(g), sites: g.sites };
    memo.results.set(key, r);
    let mine = memo.byLayout.get(layout);
    if (mine === undefined) memo.byLayout.set(layout, (mine = new Map()));
    mine.set(key, g);
  }
  return r;
}

function generate(p: Plan, fn: Function, ctx: StraightContext, guard: boolean, locate?: (id: string) => number | undefined, property = false): Generated | string {
  try {
    const g = new Gen(ctx, guard, p, locate, property);
    const body = g.top(fn);
    if (g.sites.length > 0 && ctx.hear === undefined) no('an assertion with nobody to hear it');
    return { body, temps: g.temps, sites: g.sites, ...(g.outside.length > 0 ? { shared: g.outside.join('\n') } : {}) };
  } catch (e) {
    if (e instanceof Unsupported) return e.message;
    throw e;
  }
}

/**
 * Why a guard (`guard` true), a recipe, or (`ids` given: the thread's locations by name) a
 * computed next is not compiled, or undefined when it is (bench/apply-path's coverage report).
 */
export function straightRefusal(fn: Function, ctx: StraightContext, guard: boolean, ids?: ReadonlyMap<string, number>): string | undefined {
  const r = ids !== undefined ? compiled('n', fn, ctx, ids, makeNext) : guard ? compiled('g', fn, ctx, undefined, makeGuard) : compiled('r', fn, ctx, undefined, makeRecipe(ctx.pcs + ctx.layout.size));
  return typeof r === 'string' ? r : undefined;
}

/**
 * A property of one state (an invariant's `holds` or `when`, `(s) => boolean` over a StateInfo)
 * as straight-line code over the packed state, no decode: `s.vars` (and parts of it handed to
 * helpers, inlined from their source or their declared form: a property's `bind`), `s.params.NAME`,
 * where threads are (`s.ended(t)`, `s.at(t) === 'id'`, `s.at(t).startsWith('user.')`), the
 * thread names (`s.threads.every/some/includes/indexOf`, a name's startsWith/endsWith/includes),
 * `s.local(t)`, arrays as values (map, filter, length, every, some: listMember) and declared
 * conjunctions (`{ all }`); anything else is outside the subset. 1: it holds, 0: it does not,
 * -1: bailed (evaluate the property itself). `ctx.self` is unused.
 */
export function straightProperty(fn: Function, ctx: StraightContext): StraightGuard | undefined {
  const r = compiled('p', fn, ctx, undefined, makeGuard);
  return typeof r === 'string' ? undefined : (r.f as StraightGuard);
}

/** Why a property is not compiled (straightProperty's refusal), or undefined when it is: tests and bench/. */
export function straightPropertyRefusal(fn: Function, ctx: StraightContext): string | undefined {
  const r = compiled('p', fn, ctx, undefined, makeGuard);
  return typeof r === 'string' ? r : undefined;
}

/** The guard as straight-line code over a packed state, or undefined when it is not in the subset. */
export function straightGuard(fn: Function, ctx: StraightContext): StraightGuard | undefined {
  const r = compiled('g', fn, ctx, undefined, makeGuard);
  return typeof r === 'string' ? undefined : (r.f as StraightGuard);
}

/** A computed next's result: the location index (PC_END -1 for END), or NEXT_BAIL. */
export type StraightNext = (w: Int32Array) => number;
/** compile.ts's PC_END: the index a next returning END compiles to. */
const PC_END_INDEX = -1;

/**
 * A computed `next` as straight-line code over the successor state (it reads the state after the
 * step, as on the general path): each location name it can return is resolved now, by `ids`
 * (the thread's locations by name; END is PC_END, -1; a name that is no location: not compiled,
 * and the general path raises its error). Undefined when outside the subset.
 */
export function straightNext(fn: Function, ctx: StraightContext, ids: ReadonlyMap<string, number>): StraightNext | undefined {
  const r = compiled('n', fn, ctx, ids, makeNext);
  return typeof r === 'string' ? undefined : (r.f as StraightNext);
}

/**
 * The recipe (or no recipe: `fn` undefined) as straight-line code: copy `src` to `dst`, then the
 * recipe's stores into `dst`. Undefined when the recipe is not in the subset.
 */
export function straightRecipe(fn: Function | undefined, ctx: StraightContext): StraightRecipe | undefined {
  const r = compiled('r', fn, ctx, undefined, makeRecipe(ctx.pcs + ctx.layout.size));
  if (typeof r === 'string') return undefined;
  const f = r.f as (s: Int32Array, t: Int32Array, h: (i: number) => void) => boolean;
  if (r.sites.length === 0) return f as StraightRecipe;
  // The recipe's assertion sites, heard by index (the generated code is shared by every model
  // whose recipe has the same text and layout; the tags are this one's), once the recipe has
  // not bailed: after a bail the general path evaluates them again and is heard. Each site is
  // evaluated at most once a run (loops are unrolled, each copy its own sites).
  const sites = r.sites;
  const listener = ctx.hear!;
  const pending = new Int32Array(sites.length);
  let n = 0;
  const heard = (i: number): void => {
    pending[n++] = i;
  };
  return (s, t) => {
    n = 0;
    if (!f(s, t, heard)) return false;
    const hear = listener();
    if (hear !== null) for (let k = 0; k < n; k++) hear(sites[pending[k]!]!);
    return true;
  };
}
