// Straight-line step code over the packed Int32Array (issue 15 item 3), for the common forms of
// guards and recipes: reads and assignments of the state's int and boolean fields, the thread's
// locals (`env.local.i`) and `env.self`, with integer literals and JavaScript's operators.
//
// What it compiles: the source text of a guard or recipe function the model module defined
// (Function.prototype.toString of a function that module, already imported and run, handed to
// compileModel), parsed by the small parser below, and the model's own compiled layout (slot
// offsets). The generated code is built ONLY from those: offsets and lengths are numbers,
// integer literals are re-emitted from their parsed values, operators come from a fixed list,
// and a name is never copied into the output (a parameter or `const` becomes a numbered
// variable). Nothing read from a file or any other input at run time goes into it.
//
// Anything outside the subset (a name from the function's closure such as a parameter `N`, a
// call, a string, a whole object or array used as a value, a `function` expression) makes the
// compiler give up, and the step keeps the general path (the scratch tree, codec.ts). A compiled
// step also gives up at run time (it *bails*) before anything observable whenever the general
// path might do something other than store int32 and boolean values into existing leaves: an
// index out of range or not an integer, a value of the wrong type, -0. A compiled recipe writes
// only into the successor buffer (reading its own earlier writes there, as a recipe reads its
// draft), so after a bail the general path runs the step from scratch and raises the same error
// it always did. The same values flow through the same JavaScript operators on both paths, so
// a step that does not bail yields exactly the general path's successor.

import type { Layout, LayoutNode } from './layout.js';
import { localsNode } from './locals.js';

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
}

/** Thrown by generated code to give up; caught in the generated wrapper. */
const BAIL: unique symbol = Symbol('bail');

class Unsupported extends Error {}
function no(why: string): never {
  throw new Unsupported(why);
}

// ---- tokens -----------------------------------------------------------------------------------

/** `nl`: a line break (or a comment holding one) comes before the token, where JavaScript may insert a semicolon. */
type Tok = { t: 'id' | 'num' | 'op'; v: string; nl?: true };
const LINE_BREAK = /[\n\r\u2028\u2029]/;
const OPS = [
  '>>>=', '===', '!==', '>>>', '<<=', '>>=', '**=', '...',
  '=>', '==', '!=', '<=', '>=', '&&', '||', '??', '+=', '-=', '*=', '%=', '&=', '|=', '^=', '++', '--', '<<', '>>', '**', '?.',
  '(', ')', '[', ']', '{', '}', ',', ';', '.', '?', ':', '<', '>', '+', '-', '*', '/', '%', '!', '=', '&', '|', '^', '~',
];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let nl = false;
  const push = (tok: Tok) => {
    if (nl) tok.nl = true;
    nl = false;
    out.push(tok);
  };
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      if (LINE_BREAK.test(c)) nl = true;
      i++;
    } else if (src.startsWith('//', i)) {
      // A line comment ends at any line terminator (\r and U+2028 too), not only at \n.
      const e = src.slice(i).search(LINE_BREAK);
      i = e < 0 ? src.length : i + e;
    }
    else if (src.startsWith('/*', i)) {
      const e = src.indexOf('*/', i + 2);
      if (e < 0) no('comment');
      if (LINE_BREAK.test(src.slice(i, e))) nl = true;
      i = e + 2;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][\w$]*/.exec(src.slice(i))![0];
      push({ t: 'id', v: m });
      i += m.length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(?![\w$.])/.exec(src.slice(i));
      if (!m) no('number form');
      // 010 is octal (8) in sloppy-mode code (a CommonJS model file), 08 decimal: not Number()'s reading.
      if (m![0].length > 1 && m![0][0] === '0') no('a number with a leading zero');
      push({ t: 'num', v: m![0] });
      i += m![0].length;
    } else {
      const op = OPS.find((o) => src.startsWith(o, i));
      if (op === undefined) no(`character ${c}`);
      push({ t: 'op', v: op! });
      i += op!.length;
    }
  }
  return out;
}

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
function bset(t: Int32Array, o: number, v: unknown): unknown {
  if (typeof v !== 'boolean') throw BAIL;
  t[o] = v ? 1 : 0;
  return v;
}

// ---- parser and code generator -----------------------------------------------------------------

type Leaf = { kind: 'int' | 'bool'; off: string };
type Ref = { node: LayoutNode } | { leaf: Leaf };

const KEYWORDS = new Set(['function', 'async', 'this', 'new', 'typeof', 'delete', 'in', 'instanceof', 'yield', 'await', 'class', 'super', 'let', 'var', 'for', 'while', 'do', 'switch', 'try', 'throw', 'null', 'undefined', 'arguments', 'eval']);

class Gen {
  private p = 0;
  private tmp = 0;
  /**
   * Block scopes: the consts declared in each, and the names looked up in it that it did not
   * declare (a const declared after such a use shadows it there: JavaScript's temporal dead zone
   * throws, where resolving it outwards would not).
   */
  private scopes: { vars: Map<string, string>; seen: Set<string> }[] = [];
  /** The memory the code reads and writes: `w` for a guard (read only), `t` for a recipe. */
  private readonly mem: string;
  private stateParam: string | undefined;
  private envParam: string | undefined;
  readonly temps: string[] = [];

  constructor(
    private readonly toks: Tok[],
    private readonly ctx: StraightContext,
    private readonly guard: boolean,
  ) {
    this.mem = guard ? 'w' : 't';
  }

  private peek(v: string, k = 0): boolean {
    const t = this.toks[this.p + k];
    return t !== undefined && t.t === 'op' && t.v === v;
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

  /** The whole function: `(a, b) => body` or `a => body`; returns the body's code. */
  fn(): string {
    const params: string[] = [];
    if (this.eat('(')) {
      while (!this.eat(')')) {
        const t = this.next();
        if (t.t !== 'id' || KEYWORDS.has(t.v)) no('parameter form');
        params.push(t.v);
        if (!this.peek(')')) this.expect(',');
      }
    } else {
      const t = this.next();
      if (t.t !== 'id' || KEYWORDS.has(t.v)) no('not an arrow function');
      params.push(t.v);
    }
    this.expect('=>');
    if (params.length > 2) no('more than two parameters');
    this.stateParam = params[0];
    this.envParam = params[1];
    if (this.stateParam !== undefined && this.stateParam === this.envParam) no('duplicate parameter');
    this.scopes.push({ vars: new Map(), seen: new Set() });
    let body: string;
    if (this.peek('{')) body = this.block();
    else body = this.guard ? `return (${this.expr()}) ? 1 : 0;` : `${this.expr()};`;
    if (this.p !== this.toks.length) no('trailing tokens');
    return body;
  }

  private block(): string {
    this.expect('{');
    this.scopes.push({ vars: new Map(), seen: new Set() });
    const out: string[] = [];
    while (!this.eat('}')) out.push(this.statement());
    this.scopes.pop();
    return `{ ${out.join(' ')} }`;
  }

  private statement(): string {
    if (this.peek('{')) return this.block();
    if (this.eat(';')) return ';';
    const t = this.toks[this.p];
    if (t?.t === 'id' && t.v === 'if') {
      this.p++;
      this.expect('(');
      const c = this.expr();
      this.expect(')');
      const a = this.statement();
      const b = this.toks[this.p]?.t === 'id' && this.toks[this.p]!.v === 'else' ? (this.p++, ` else ${this.statement()}`) : '';
      return `if (${c}) ${a}${b}`;
    }
    if (t?.t === 'id' && t.v === 'return') {
      this.p++;
      // `return` then a line break returns undefined (a semicolon is inserted): the general path's.
      if (this.toks[this.p]?.nl && !this.peek(';') && !this.peek('}')) no('a line break after return');
      const e = this.peek(';') || this.peek('}') ? undefined : this.expr();
      this.eat(';');
      if (this.guard) return `return ${e === undefined ? '0' : `(${e}) ? 1 : 0`};`;
      return `{ ${e === undefined ? '' : `${e};`} return true; }`;
    }
    if (t?.t === 'id' && t.v === 'const') {
      this.p++;
      const name = this.next();
      if (name.t !== 'id' || KEYWORDS.has(name.v)) no('declaration form');
      this.expect('=');
      const e = this.expr();
      this.eat(';');
      const v = `c${this.tmp++}`;
      const scope = this.scopes[this.scopes.length - 1]!;
      // Used before (in its own initializer, or earlier in the block): a ReferenceError in JavaScript.
      if (scope.seen.has(name.v) || scope.vars.has(name.v)) no('a const used before its declaration');
      scope.vars.set(name.v, v);
      return `const ${v} = ${e};`;
    }
    if (t?.t === 'id' && KEYWORDS.has(t.v)) no(`statement ${t.v}`);
    const e = this.expr();
    if (!this.eat(';') && !this.peek('}')) no('statement end');
    return `${e};`;
  }

  // Expressions, by precedence. Every result is parenthesised, so the output's precedence is
  // the parse tree's whatever the source's spacing.
  expr(): string {
    let e = this.assign();
    while (this.eat(',')) e = `(${e}, ${this.assign()})`;
    return e;
  }

  private assign(): string {
    const start = this.p;
    // An assignment's target is a postfix expression; try it, and fall back to a conditional.
    const ref = this.tryRef();
    if (ref !== undefined) {
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

  /** A leaf reference at the cursor (consumed), or undefined (cursor unspecified). */
  private tryRef(): { leaf: Leaf; index?: string | undefined } | undefined {
    const t = this.toks[this.p];
    if (t?.t !== 'id') return undefined;
    let r: Ref | undefined;
    if (t.v === this.stateParam && !this.local(t.v)) {
      this.p++;
      r = { node: this.ctx.layout.root };
    } else if (t.v === this.envParam && !this.local(t.v) && this.peek('.', 1) && this.toks[this.p + 2]?.v === 'local') {
      this.p += 3;
      const mine = localsNode(this.ctx.layout, this.ctx.thread);
      if (mine === undefined) no('no locals');
      r = { node: mine! };
    } else return undefined;
    let index: string | undefined;
    for (;;) {
      if ('leaf' in r!) break;
      const node: LayoutNode = r!.node;
      if (this.eat('.')) {
        const k = this.next();
        if (k.t !== 'id' || node.kind !== 'object' || !node.fields.has(k.v)) no('field');
        r = this.at(node.fields.get(k.v)!);
      } else if (this.eat('[')) {
        if (node.kind !== 'array') no('index of a non-array');
        const arr = node as Extract<LayoutNode, { kind: 'array' }>;
        const save = this.p;
        const lit = this.next();
        if (lit.t === 'num' && this.eat(']')) {
          const i = Number(lit.v);
          if (i >= arr.length) no('index out of range');
          r = this.at(arr.items[i]!);
          continue;
        }
        this.p = save;
        const e = this.expr();
        this.expect(']');
        // A computed index: only into an array of leaves of one kind in consecutive slots.
        const first = arr.items[0];
        if (first === undefined || (first.kind !== 'int' && first.kind !== 'bool')) no('computed index into non-leaves');
        if (!arr.items.every((it, j) => it.kind === first!.kind && it.offset === first!.offset + j)) no('computed index layout');
        index = `(${this.ctx.pcs + first!.offset} + ix(${e}, ${arr.length}))`;
        r = { leaf: { kind: first!.kind as 'int' | 'bool', off: '' } };
      } else no('a part of the state used as a whole');
    }
    const leaf = (r as { leaf: Leaf }).leaf;
    if (this.peek('.') || this.peek('[') || this.peek('(') || this.peek('?.')) no('member of a leaf');
    return { leaf, index };
  }

  private at(node: LayoutNode): Ref {
    if (node.kind === 'int' || node.kind === 'bool') return { leaf: { kind: node.kind, off: String(this.ctx.pcs + node.offset) } };
    return { node };
  }

  private local(name: string): string | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const v = this.scopes[i]!.vars.get(name);
      if (v !== undefined) return v;
      this.scopes[i]!.seen.add(name);
    }
    return undefined;
  }

  private conditional(): string {
    const c = this.binary(0);
    if (this.eat('?')) {
      const a = this.assign();
      this.expect(':');
      const b = this.assign();
      return `(${c} ? ${a} : ${b})`;
    }
    return c;
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
      e = `(${e} ${op} ${this.binary(level + 1)})`;
    }
  }

  private unary(): string {
    for (const op of ['!', '-', '+', '~']) if (this.eat(op)) return `(${op} ${this.unary()})`;
    if (this.peek('++') || this.peek('--')) {
      const op = this.next().v;
      if (this.guard) no('assignment in a guard');
      const ref = this.tryRef();
      if (ref === undefined || ref.leaf.kind !== 'int') no('++/-- on a non-int');
      return this.store(ref!, (cur) => `(${cur} ${op[0]} 1)`);
    }
    const t = this.toks[this.p];
    if (t?.t === 'id' && t.v === 'void') {
      this.p++;
      return `(void ${this.unary()})`;
    }
    return this.postfix();
  }

  private postfix(): string {
    const start = this.p;
    const ref = this.tryRef();
    if (ref !== undefined) {
      if (this.peek('++') || this.peek('--')) {
        const op = this.next().v;
        if (this.guard) no('assignment in a guard');
        if (ref.leaf.kind !== 'int') no('++/-- on a non-int');
        // x++ is the old value (an int32 read from the array: already a number).
        const old = this.temp();
        return `(${this.store(ref, (cur) => `((${old} = ${cur}) ${op[0]} 1)`)}, ${old})`;
      }
      if (ref.index === undefined) return this.read(ref.leaf, ref.leaf.off);
      const k = this.temp();
      return `(${k} = ${ref.index}, ${this.read(ref.leaf, k)})`;
    }
    this.p = start;
    return this.primary();
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
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return t.v;
      const v = this.local(t.v);
      if (v !== undefined) return v;
      if (t.v === this.envParam && this.eat('.')) {
        const k = this.next();
        if (k.t === 'id' && k.v === 'self') return String(this.ctx.self);
      }
    }
    return no(`name or token ${t.v}`);
  }
}

function generate(fn: Function, ctx: StraightContext, guard: boolean): { body: string; temps: string[] } | undefined {
  let src: string;
  try {
    src = Function.prototype.toString.call(fn);
  } catch {
    return undefined;
  }
  try {
    const g = new Gen(tokenize(src), ctx, guard);
    const body = g.fn();
    return { body, temps: g.temps };
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

// Generated functions by their source: the code depends only on the layout and the function's
// text, and holds no state, so a model compiled again (every check compiles its model; a batch
// of checks in one process compiles the same model many times) gets the same functions back,
// with their type feedback and optimised code, instead of V8 compiling new ones.
const made = new Map<string, Function>();
function cached(code: string, make: () => Function): Function {
  let f = made.get(code);
  if (f === undefined) {
    if (made.size >= 20_000) made.clear();
    f = make();
    made.set(code, f);
  }
  return f;
}

/** The guard as straight-line code over a packed state, or undefined when it is not in the subset. */
export function straightGuard(fn: Function, ctx: StraightContext): StraightGuard | undefined {
  const g = generate(fn, ctx, true);
  if (g === undefined) return undefined;
  const lets = g.temps.length ? `let ${g.temps.join(', ')};` : '';
  const code = `return function straightGuard(w) {\n${lets}\ntry { ${g.body}\nreturn 0; } catch (e) { if (e === BAIL) return -1; throw e; }\n};`;
  return cached(`g${code}`, () => new Function('BAIL', 'ix', code)(BAIL, ix)) as StraightGuard;
}

/**
 * The recipe (or no recipe: `fn` undefined) as straight-line code: copy `src` to `dst`, then the
 * recipe's stores into `dst`. Undefined when the recipe is not in the subset.
 */
export function straightRecipe(fn: Function | undefined, ctx: StraightContext): StraightRecipe | undefined {
  const g = fn === undefined ? { body: '', temps: [] } : generate(fn, ctx, false);
  if (g === undefined) return undefined;
  const lets = g.temps.length ? `let ${g.temps.join(', ')};` : '';
  const copy = Array.from({ length: ctx.pcs + ctx.layout.size }, (_, i) => `t[${i}] = s[${i}];`).join(' ');
  const code = `return function straightRecipe(s, t) {\n${lets}\n${copy}\ntry { ${g.body}\n} catch (e) { if (e === BAIL) return false; throw e; }\nreturn true;\n};`;
  return cached(`r${code}`, () => new Function('BAIL', 'ix', 'iset', 'bset', code)(BAIL, ix, iset, bset)) as StraightRecipe;
}
