// The fast path between packed states and the plain objects recipes and guards run on.
//
// Views (layout.ts) intercept every access, which makes them the right tool to record
// footprints, but an array view's numbered accessors put V8 in its slow dictionary mode
// (hundreds of nanoseconds per element read). The hot path instead keeps one plain, sealed
// object tree of the state's shape (the *scratch*): `decode` writes a packed state's slots
// into it, guards and recipes read and mutate it at full speed, and `encode` reads it back into
// a packed state, validating every value (int32 or boolean, array lengths, object shapes) as
// the views do. These functions are generated per layout (straight-line code, no recursion).
//
// The search applies every enabled action of a state in a row, so after a step the scratch tree
// is put back to the state it was decoded from in the same pass that encodes the successor
// (`encodeRevert`): a transition costs one pass over the slots, not a decode and an encode.
//
// `new Function` compiles source built here from the model's own compiled layout only: slot
// offsets and node indices are numbers, keys are quoted with JSON.stringify; nothing read from
// a file or any other input at run time goes into it.
//
// Shape safety: the scratch tree's objects are sealed, so a recipe that adds a key throws
// (models are ES modules, hence strict mode); an array whose length a recipe changes (push,
// pop, splice, length =) is rejected by `encode`. A recipe may replace a sub-object or an
// array wholesale (`d.lock = { holder: 0 }`); `encode` then checks the replacement's shape, and
// `decode` puts the original sealed node back before the next step.
//
// The arrays are neither sealed nor made non-extensible, so a store to a key that is no index
// (`d.arr[NaN] = 1` from an out-of-range read, `d.arr[-1]`, `d.arr.foo`) succeeds on them and
// encode, which reads indices, never sees it; immer refuses it. Every guard against it on the
// arrays themselves costs on every step, measured on kvm-hotplug (bench/README, session 9):
// non-extensible arrays +32% instructions a transition (V8 11 compiles no inline element access
// for them), a prototype ending in a Proxy +17% (session 8), and looking for such keys after a
// step (`strayKeys`, Object.keys) about 10,000 instructions for kvm-hotplug's 11 arrays, as much as
// the step. So `strayKeys` is called on some steps only (compile.ts: each action's first runs,
// and every step of the determinism probe); it finds a key whenever it is called after the step
// that stored it, since nothing else removes one.

import { ModelError } from '../util/errors.js';
import { nonIndexKeys, type Layout, type LayoutNode, type StateData } from './layout.js';
import { describeValue } from '../util/describe.js';

export interface Codec {
  /** The scratch tree (sealed plain objects and arrays). */
  readonly scratch: Record<string, unknown>;
  /** Number of slots (the layout's size). */
  readonly size: number;
  /** Write `words[base..)` into the scratch tree. */
  decode(words: Int32Array, base: number): void;
  /**
   * Read the scratch tree into `words[base..)`, validating every value. Returns whether the
   * step replaced a node of the tree (the skeleton must then be put back by `decode`).
   */
  encode(words: Int32Array, base: number): boolean;
  /**
   * `encode` into `words`, and put the scratch tree back to `src[base..)` (the state it was
   * decoded from) in the same pass: each leaf is written back only where the step changed it, so
   * the next step from the same state needs no `decode` (the search applies every enabled
   * action of a state in a row). A step that replaced a node is followed by a full `decode`.
   */
  encodeRevert(words: Int32Array, src: Int32Array, base: number): void;
  /** Put the unreplaced scratch tree, which holds `words[base..)`, back to `src[base..)` (only the leaves that differ). */
  revert(words: Int32Array, src: Int32Array, base: number): void;
  /** Does the scratch tree hold exactly `words[base..)`? (Detects writes by guards and properties.) */
  same(words: Int32Array, base: number): boolean;
  /**
   * The keys of the tree's own arrays that are no index below the array's length (a step's store
   * to `d.arr[NaN]` or `d.arr.foo`, lost otherwise), each deleted once found, so that the tree is
   * clean again; [] when there are none. About 1,000 instructions an array: not for every step.
   */
  strayKeys(): StrayKey[];
}

/** A key stored on an array of the state that is not one of its indices. */
export interface StrayKey {
  /** The array's path in the state (`arr`, `cpus[1].q`). */
  array: string;
  /** The key, as a store names it (a symbol as its description). */
  key: string;
}




function key(k: string): string {
  return JSON.stringify(k);
}

export function buildCodec(layout: Layout): Codec {
  // Skeleton nodes, by index: K[0] is the root.
  const K: unknown[] = [];
  // The skeleton's arrays with their paths (strayKeys).
  const arrays: { node: unknown[]; path: string }[] = [];
  const build = (node: LayoutNode): unknown => {
    if (node.kind === 'int') return 0;
    if (node.kind === 'bool') return false;
    const idx = K.length;
    K.push(null);
    let value: unknown;
    if (node.kind === 'array') value = node.items.map((item) => build(item));
    else {
      const o: Record<string, unknown> = {};
      for (const [k, child] of node.fields) o[k] = build(child);
      value = o;
    }
    // Objects are sealed (adding a key throws); arrays are not, because a sealed or
    // non-extensible array's element accesses are several times slower in V8: a push or pop
    // shows up as a length change, which encode rejects, and a key that is no index is found
    // by strayKeys where it is called (the header).
    if (Array.isArray(value)) arrays.push({ node: value, path: node.path });
    K[idx] = Array.isArray(value) ? value : Object.seal(value as object);
    return K[idx];
  };
  build(layout.root);

  const dec: string[] = [];
  const enc: string[] = [];
  const encRev: string[] = [];
  const rev: string[] = [];
  const same: string[] = [];
  const paths: string[] = [];
  // For a replaced object: exactly the layout's keys (by path index).
  const keySets: (string[] | null)[] = [];
  let skeletonIndex = 0;
  let tmp = 0;
  // Walk the layout once, emitting the three functions' bodies. `ref` is the JS expression of
  // the current node in the (possibly replaced) scratch tree, for encode and same; `sk` its
  // skeleton index, for decode.
  const walk = (node: LayoutNode, ref: string, sk: number): void => {
    const children: [string, LayoutNode][] = node.kind === 'object' ? [...node.fields] : node.kind === 'array' ? node.items.map((n, i) => [String(i), n]) : [];
    for (const [k, child] of children) {
      const acc = node.kind === 'array' ? `[${k}]` : `[${key(k)}]`;
      if (child.kind === 'int' || child.kind === 'bool') {
        const off = child.offset;
        const p = paths.push(child.path) - 1;
        const v = `v${tmp++}`;
        // encodeRevert writes the leaf back right after reading it: every place in the tree is
        // read once (a tree with one object at two places is rejected by noAliases), so no
        // later read of this encode sees the value put back. A -0 is written back as 0 (it
        // equals 0, but is not what the state holds; for a small integer the test folds away).
        if (child.kind === 'int') {
          const check = `if (typeof ${v} !== 'number' || (${v} | 0) !== ${v}) bad(${p}, ${v}, 'an int32 integer');`;
          dec.push(`k${sk}${acc} = w[b + ${off}];`);
          enc.push(`{ const ${v} = ${ref}${acc}; ${check} w[b + ${off}] = ${v}; }`);
          encRev.push(`{ const ${v} = ${ref}${acc}; ${check} w[b + ${off}] = ${v}; const o${v} = o[b + ${off}]; if (${v} !== o${v} || Object.is(${v}, -0)) ${ref}${acc} = o${v}; }`);
          rev.push(`if (w[b + ${off}] !== o[b + ${off}]) k${sk}${acc} = o[b + ${off}];`);
          same.push(`if (${ref}${acc} !== w[b + ${off}]) return false;`);
        } else {
          dec.push(`k${sk}${acc} = w[b + ${off}] !== 0;`);
          enc.push(`{ const ${v} = ${ref}${acc}; if (typeof ${v} !== 'boolean') bad(${p}, ${v}, 'a boolean'); w[b + ${off}] = ${v} ? 1 : 0; }`);
          encRev.push(
            `{ const ${v} = ${ref}${acc}; if (typeof ${v} !== 'boolean') bad(${p}, ${v}, 'a boolean'); const x${v} = ${v} ? 1 : 0; w[b + ${off}] = x${v}; if (x${v} !== o[b + ${off}]) ${ref}${acc} = !${v}; }`,
          );
          rev.push(`if (w[b + ${off}] !== o[b + ${off}]) k${sk}${acc} = o[b + ${off}] !== 0;`);
          same.push(`if (${ref}${acc} !== (w[b + ${off}] !== 0)) return false;`);
        }
      } else {
        const childSk = ++skeletonIndex;
        const r = `r${tmp++}`;
        const p = paths.push(child.path) - 1;
        keySets[p] = child.kind === 'object' ? child.keys : null;
        // decode: put the skeleton node back if a recipe replaced it.
        dec.push(`if (k${sk}${acc} !== k${childSk}) k${sk}${acc} = k${childSk};`);
        // ...and an array's length if a failed step pushed or popped before encode caught it.
        if (child.kind === 'array') dec.push(`if (k${childSk}.length !== ${child.length}) k${childSk}.length = ${child.length};`);
        const expectText = child.kind === 'array' ? `an array of length ${child.length}` : `an object with keys ${child.keys.join(', ')}`;
        // The common case, the tree's own node still in place, costs one identity test (and,
        // for an array, its length); a replacement is checked in full and sets `rep`.
        const shapeCheck =
          child.kind === 'array'
            ? `!Array.isArray(${r}) || ${r}.length !== ${child.length}`
            : `${r} === null || typeof ${r} !== 'object' || Array.isArray(${r}) || !keysAre(${r}, ${p})`;
        const badShape = `bad(${p}, ${r}, ${key(expectText)})`;
        const ownNode = child.kind === 'array' ? ` else if (${r}.length !== ${child.length}) ${badShape};` : '';
        const encNode = `const ${r} = ${ref}${acc}; if (${r} !== k${childSk}) { if (${shapeCheck}) ${badShape}; rep = true; }${ownNode}`;
        enc.push(encNode);
        encRev.push(encNode);
        // Compare values through whatever the tree holds now (a replaced node is fine if equal).
        same.push(
          child.kind === 'array'
            ? `const ${r} = ${ref}${acc}; if ((${r} !== k${childSk} && !Array.isArray(${r})) || ${r}.length !== ${child.length}) return false;`
            : `const ${r} = ${ref}${acc}; if (${r} !== k${childSk} && (${r} === null || typeof ${r} !== 'object')) return false;`,
        );
        walk(child, r, childSk);
      }
    }
  };
  walk(layout.root, 'k0', 0);
  // The skeleton nodes as constants of the generated functions' closure.
  const nodes = `const ${K.map((_, i) => `k${i} = K[${i}]`).join(', ')};`;

  const bad = (p: number, v: unknown, expected: string): never => {
    throw new ModelError(`${paths[p]} = ${describeValue(v)}: expected ${expected} (state shapes and types are fixed)`);
  };
  const keysAre = (o: object, p: number): boolean => {
    const want = keySets[p];
    if (!want) return true;
    const have = Object.keys(o);
    if (have.length !== want.length || !want.every((k) => k in o)) {
      const extra = have.filter((k) => !want.includes(k));
      const missing = want.filter((k) => !(k in o));
      throw new ModelError(
        `${paths[p]}: replaced by an object with ${extra.length ? `extra key(s) ${extra.join(', ')}` : ''}${extra.length && missing.length ? ' and ' : ''}${missing.length ? `missing key(s) ${missing.join(', ')}` : ''} (state shapes are fixed)`,
      );
    }
    return true;
  };

  const decode = new Function('K', `${nodes}\nreturn function decode(w, b) {\n${dec.join('\n')}\n};`)(K) as Codec['decode'];
  // A recipe may move parts of the state around (a swap: `d.q = [d.q[1], d.q[0]]`), but it
  // must not leave one object at two places (`d.x = d.y`): immer would then alias them, and a
  // later write through one would change both, which a packed state cannot represent. When a
  // step replaced any node, encode checks that no object appears twice.
  const noAliases = (): void => {
    const seen = new Map<object, string>();
    const visit = (v: unknown, path: string): void => {
      if (v === null || typeof v !== 'object') return;
      const other = seen.get(v);
      if (other !== undefined)
        throw new ModelError(`${path} and ${other} are the same object after the step (an assignment like d.x = d.y): copy it instead (d.x = { ...d.y }), since each part of a state is a value of its own`);
      seen.set(v, path);
      if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${path}[${i}]`));
      else for (const [k, x] of Object.entries(v)) visit(x, path ? `${path}.${k}` : k);
    };
    visit(K[0], '');
  };
  const encode = new Function(
    'bad',
    'keysAre',
    'K',
    'noAliases',
    `${nodes}\nreturn function encode(w, b) {\nlet rep = false;\n${enc.join('\n')}\nif (rep) noAliases();\nreturn rep;\n};`,
  )(bad, keysAre, K, noAliases) as Codec['encode'];
  // With a replaced node the leaves put back may sit in the replacement (or in a skeleton node
  // the step moved elsewhere): decode then rebuilds the tree from `src` (rare: a swap, `d.o = {...}`).
  const encodeRevert = new Function(
    'bad',
    'keysAre',
    'K',
    'noAliases',
    'decode',
    `${nodes}\nreturn function encodeRevert(w, o, b) {\nlet rep = false;\n${encRev.join('\n')}\nif (rep) { noAliases(); decode(o, b); }\n};`,
  )(bad, keysAre, K, noAliases, decode) as Codec['encodeRevert'];
  const revert = new Function('K', `${nodes}\nreturn function revert(w, o, b) {\n${rev.join('\n')}\n};`)(K) as Codec['revert'];
  const sameFn = new Function('K', `${nodes}\nreturn function same(w, b) {\n${same.join('\n')}\nreturn true;\n};`)(K) as Codec['same'];
  const strayKeys = (): StrayKey[] => {
    const found: StrayKey[] = [];
    for (const { node, path } of arrays) {
      const keys = nonIndexKeys(node, node.length);
      if (keys.length === 0) continue;
      // (a symbol's text is no key to delete by: delete every own symbol key)
      for (const k of Reflect.ownKeys(node)) if (typeof k === 'symbol' || keys.includes(k)) delete (node as unknown as Record<string | symbol, unknown>)[k];
      for (const key of keys) found.push({ array: path, key });
    }
    return found;
  };
  return { scratch: K[0] as Record<string, unknown>, size: layout.size, decode, encode, encodeRevert, revert, same: sameFn, strayKeys };
}

/** A deep, unsealed copy of plain state data (for tests and for handing state out). */
export function clonePlain(v: StateData): StateData {
  return structuredClone(v);
}
