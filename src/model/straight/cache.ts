// The step compiler's cache of generated code (src/model/straight.ts): each result under a key
// naming everything its code depends on (the digests of sources and layouts, the step's,
// threads' and parameters' parts of the key), the generated functions shared by their code, and
// the code one thread hands another (generatedFor, seedGenerated) or a later run keeps
// (generatorId).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Layout, LayoutNode } from '../layout.js';
import type { StraightContext, StraightStep } from '../straight.js';

/**
 * Source texts by digest, and each function's (its source never changes), so a key names a
 * source by a short SHA-256 digest of its text; layouts likewise. Digests, not numbers in the
 * order met, so that a key means the same in every thread and process: the command thread's
 * generated code can be handed to the pool's workers (generatedFor, seedGenerated), each of
 * which derives its own keys and uses an entry only under the key it derived. Replaced as a
 * whole (with the results) when it grows too large.
 */
export interface Memo {
  sources: Map<string, string>;
  ofFunction: WeakMap<Function, { id: string; src: string } | null>;
  layouts: Map<string, string>;
  ofLayout: WeakMap<Layout, string>;
  /** A generated function and its assertion sites' tags, or why the function is not compiled. */
  results: Map<string, Made | string>;
  /** The generated code behind each result, by layout (what generatedFor hands on). */
  byLayout: Map<string, Map<string, GeneratedEntry>>;
  /** Code handed over by another thread (seedGenerated), by key: used instead of generating when this thread derives the same key. */
  seeds: Map<string, GeneratedEntry>;
}
const newMemo = (): Memo => ({ sources: new Map(), ofFunction: new WeakMap(), layouts: new Map(), ofLayout: new WeakMap(), results: new Map(), byLayout: new Map(), seeds: new Map() });
let memo = newMemo();
export const MEMO_BOUND = 20_000;

/** The memo, a new one in place of one grown too large (what compiled() reads a result from). */
export function liveMemo(): Memo {
  if (memo.results.size >= MEMO_BOUND || memo.sources.size >= MEMO_BOUND || memo.layouts.size >= MEMO_BOUND) memo = newMemo();
  return memo;
}

/** A key's name for a text: 128 bits of its SHA-256 (a collision would need 2^64 texts). */
export const digest = (text: string): string => createHash('sha256').update(text).digest('base64').slice(0, 22);

/** A name or string in a key, length first (so no text can end it early or run into the next part). */
export const keyText = (s: string): string => `${s.length}:${s}`;

/** `fn`'s source and its number (null: it has none that Function.prototype.toString gives). */
export function sourceEntry(fn: Function): { id: string; src: string } | null {
  let e = memo.ofFunction.get(fn);
  if (e === undefined) {
    let src: string | undefined;
    try {
      src = Function.prototype.toString.call(fn);
    } catch {
      src = undefined;
    }
    if (src === undefined) e = null;
    else {
      let id = memo.sources.get(src);
      if (id === undefined) memo.sources.set(src, (id = digest(src)));
      e = { id, src };
    }
    memo.ofFunction.set(fn, e);
  }
  return e;
}

/** The layout's shape (every node's kind, offset, length and field names), as a digest. */
export function layoutId(layout: Layout): string {
  let id = memo.ofLayout.get(layout);
  if (id === undefined) {
    const shape = (n: LayoutNode): string => {
      switch (n.kind) {
        case 'int':
        case 'bool':
          return `${n.kind[0]}${n.offset}`;
        case 'array':
          return `[${n.offset},${n.length}:${n.items.map(shape).join(',')}]`;
        case 'object':
          return `{${n.offset}:${[...n.fields].map(([k, v]) => `${keyText(k)}:${shape(v)}`).join(',')}}`;
      }
    };
    const text = `${layout.size}${shape(layout.root)}`;
    id = memo.layouts.get(text);
    if (id === undefined) memo.layouts.set(text, (id = digest(text)));
    memo.ofLayout.set(layout, id);
  }
  return id;
}

/** `shared`: the shared functions' definitions (straight.ts sharedCall), made with the step's function. */
export type Generated = { body: string; temps: string[]; sites: string[]; shared?: string };
/** Generated code, or why the function is not compiled: what one thread hands another (generatedFor). */
export type GeneratedEntry = Generated | string;
/** A property's parameter values that can reach its code (integers and booleans: straight.ts infoMember), for the key. */
export function paramsKey(params: Readonly<Record<string, unknown>> | undefined): string {
  if (params === undefined) return '';
  let k = ',p';
  for (const name of Object.keys(params).sort()) {
    const v = params[name];
    if (typeof v === 'boolean' || (typeof v === 'number' && Number.isSafeInteger(v) && !Object.is(v, -0))) k += `${keyText(name)}=${v};`;
  }
  return k;
}

/** A step property's step (every member it can read), for the key. */
export function stepKey(step: StraightStep | undefined): string {
  if (step === undefined) return '';
  return `,s${step.threadIndex};${keyText(step.thread)}${keyText(step.id)}${keyText(step.label)}${keyText(step.fn)}${step.tags.length};${step.tags.map(keyText).join('')}`;
}

/** A property's threads (names, location ids by index), for the key. */
export function threadsKey(threads: StraightContext['threads']): string {
  if (threads === undefined) return '';
  // By the object: a compiled model hands every property compile the same one (compile.ts), and
  // the text, every location id of every thread, is long (kvm-hotplug's step antecedents, four
  // properties for each of 128 actions, spent most of their first compile building it); its
  // digest keeps the cache's keys short.
  let k = threadsKeys.get(threads);
  if (k === undefined) {
    let text = '';
    threads.names.forEach((n, t) => {
      text += `${keyText(n)}:`;
      for (const [id, at] of threads.ids[t]!) text += `${keyText(id)}=${at};`;
      text += '/';
    });
    threadsKeys.set(threads, (k = `,t${digest(text)}`));
  }
  return k;
}
const threadsKeys = new WeakMap<object, string>();

/** A step's thread names (env.threadNames), for the key. */
export function threadNamesKey(names: readonly string[] | undefined): string {
  if (names === undefined) return '';
  let k = ',n';
  for (const n of names) k += keyText(n);
  return k;
}

/** A generated function (holding no state: shared by every model with the same key) and the tags of its assertion sites. */
export type Made = { f: Function; sites: readonly string[] };

/** How many bodies this thread generated, and how many it took from code handed over (seedGenerated): bench/ and tests. */
export const straightCounts = { generated: 0, seeded: 0 };

// ---- generated code handed from one thread to another ------------------------------------------
//
// A pool worker compiles the model again (functions cannot be sent between threads), and its
// generator would run cold, as the command thread's did (bench/README.md, "The step compiler's
// compile cost"). The command thread hands it the code it generated for the model's layout
// (generatedFor, in every task: src/parallel/pool.ts); the worker seeds its cache with it
// (seedGenerated) before it compiles. The worker still plans every step and derives each key
// itself from the model it loaded; an entry handed over is used only under the key the worker
// derived, which names every input the code depends on, so it is exactly the code the worker
// would generate. The code comes from this process's own generator, through a worker message,
// never from a file; anything not of the expected shape is ignored (and the worker generates).

const HANDED = 'kmc-straight-code 1';

/** The generated code (and refusals) for `layout`'s model, by key, as a worker message carries it. */
export interface GeneratedCode {
  format: string;
  entries: [string, GeneratedEntry][];
}

/** What this thread has generated for models with `layout`'s shape (steps not yet compiled are not in it). */
export function generatedFor(layout: Layout): GeneratedCode {
  const mine = memo.byLayout.get(layoutId(layout));
  return { format: HANDED, entries: mine === undefined ? [] : [...mine] };
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
function isEntry(v: unknown): v is GeneratedEntry {
  if (typeof v === 'string') return true;
  if (typeof v !== 'object' || v === null) return false;
  const g = v as Record<string, unknown>;
  return typeof g.body === 'string' && isStrings(g.temps) && isStrings(g.sites) && (g.shared === undefined || typeof g.shared === 'string');
}

/**
 * Seeds this thread's cache with code another thread generated (generatedFor): each entry is
 * used only when this thread derives the same key. Returns how many entries it took (0 for
 * anything not of the expected shape, which is ignored as a whole).
 */
export function seedGenerated(code: unknown): number {
  if (typeof code !== 'object' || code === null) return 0;
  const c = code as Record<string, unknown>;
  if (c.format !== HANDED || !Array.isArray(c.entries)) return 0;
  const ok = c.entries.filter((e: unknown): e is [string, GeneratedEntry] => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && isEntry(e[1]));
  if (ok.length !== c.entries.length) return 0;
  if (memo.seeds.size + ok.length > MEMO_BOUND) memo.seeds.clear();
  let n = 0;
  for (const [key, g] of ok)
    if (!memo.results.has(key) && n < MEMO_BOUND) {
      memo.seeds.set(key, typeof g === 'string' ? g : { body: g.body, temps: [...g.temps], sites: [...g.sites], ...(g.shared === undefined ? {} : { shared: g.shared }) });
      n++;
    }
  return n;
}

let generator: string | undefined;
/**
 * The step compiler's modules, relative to this one: their texts are the generator and the
 * wrappers around what it emits (with the extension this module was loaded with: .ts under
 * vitest, .js from dist/ and the bundle, which gives each module its own dist file's URL).
 */
const GENERATOR_MODULES = ['../straight', './unsupported', './tokens', './forms', './fold', './cache', './wrap'];

/**
 * A digest of the step compiler's modules' texts (GENERATOR_MODULES): a store of generated code
 * kept across runs (src/cli/step-cache.ts) keys its files by it, so code from another version of
 * the generator is never looked up.
 */
export function generatorId(): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return (generator ??= digest(GENERATOR_MODULES.map((m) => readFileSync(fileURLToPath(new URL(`${m}${ext}`, import.meta.url)), 'utf8')).join('\0')));
}

/** Forgets everything generated or handed over in this thread, as in a new thread (tests). */
export function forgetGenerated(): void {
  memo = newMemo();
  made.clear();
}

// Generated functions by their code: they hold no state, so the same code from another key
// (another thread's identical step) is the same function, with its type feedback and optimised
// code, instead of one V8 compiles again.
const made = new Map<string, Function>();
export function cached(code: string, make: () => Function): Function {
  let f = made.get(code);
  if (f === undefined) {
    if (made.size >= MEMO_BOUND) made.clear();
    f = make();
    made.set(code, f);
  }
  return f;
}
