// The packed layout of a model's state.
//
// A model's state is plain data: objects with fixed keys, fixed-length arrays, and leaves that
// are int32 numbers or booleans. Its shape is taken from the initial state and never changes, so
// every leaf has a fixed slot in an Int32Array. Keys are laid out in sorted order, so two states
// that are equal as data pack to equal arrays whatever order their keys were written in: the
// packed array is the canonical form that is hashed, stored and sent to worker threads.
//
// Recipes are written as immer recipes on a `Draft`. On the hot path they run against a *view*:
// an object with the same keys whose getters and setters read and write the slots of an
// Int32Array directly. Views are built once per layout and re-pointed at each state, so applying
// a step allocates nothing. tests/model/layout.test.ts checks that every bundled model's steps
// give the same states through views as through immer's `produce`.

import { ModelError } from '../util/errors.js';
import { describeValue } from '../util/describe.js';

export type Leaf = number | boolean;
export type StateData = Leaf | readonly StateData[] | { readonly [key: string]: StateData };

export type LayoutNode =
  | { kind: 'int'; offset: number; path: string }
  | { kind: 'bool'; offset: number; path: string }
  | { kind: 'array'; offset: number; path: string; length: number; items: LayoutNode[]; width: number }
  | { kind: 'object'; offset: number; path: string; keys: string[]; fields: Map<string, LayoutNode>; width: number };

/** Where the view's reads and writes go: re-pointed at each state, shared by every view node. */
export interface ViewTarget {
  words: Int32Array;
  /** Offset of the model's variables inside `words` (after the program counters). */
  base: number;
  /** Set while guards and properties read: a write then is a model bug. */
  readOnly: boolean;
  /**
   * Footprint recording (issue 5): when non-null, every slot read/written is added (the layout
   * offset; the property evaluator adds a thread's program counter read as -1 - thread).
   */
  reads: SlotSink | null;
  writes: SlotSink | null;
}

/** Where recorded slots go: a Set<number>, or the engine's footprint recorder. */
export interface SlotSink {
  add(slot: number): unknown;
}

export interface Layout {
  root: LayoutNode;
  /** Number of int32 slots for the variables. */
  size: number;
  /** Slot index -> dotted path, for diffs and footprints. */
  paths: string[];
  /** Slot index -> 'int' | 'bool'. */
  kinds: ('int' | 'bool')[];
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export function buildLayout(init: StateData): Layout {
  const paths: string[] = [];
  const kinds: ('int' | 'bool')[] = [];
  const walk = (v: StateData, path: string): LayoutNode => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX)
        throw new ModelError(`initial state: ${path || 'state'} = ${v}: numbers must be int32 integers`);
      paths.push(path);
      kinds.push('int');
      return { kind: 'int', offset: paths.length - 1, path };
    }
    if (typeof v === 'boolean') {
      paths.push(path);
      kinds.push('bool');
      return { kind: 'bool', offset: paths.length - 1, path };
    }
    if (Array.isArray(v)) {
      const offset = paths.length;
      const items = v.map((item, i) => walk(item as StateData, `${path}[${i}]`));
      return { kind: 'array', offset, path, length: v.length, items, width: paths.length - offset };
    }
    if (v !== null && typeof v === 'object') {
      const offset = paths.length;
      const keys = Object.keys(v).sort();
      const fields = new Map<string, LayoutNode>();
      for (const k of keys) fields.set(k, walk((v as Record<string, StateData>)[k]!, path ? `${path}.${k}` : k));
      return { kind: 'object', offset, path, keys, fields, width: paths.length - offset };
    }
    throw new ModelError(
      `initial state: ${path || 'state'} is ${v === null ? 'null' : typeof v}: state values must be int32 numbers, booleans, arrays or objects`,
    );
  };
  const root = walk(init, '');
  if (root.kind !== 'object') throw new ModelError('initial state must be an object');
  return { root, size: paths.length, paths, kinds };
}

/** The own keys of `arr` that are no index below `length` ('1' is one, '01', '-1', '0.5', 'NaN' and symbols are not), as text. */
export function nonIndexKeys(arr: object, length: number): string[] {
  const out: string[] = [];
  for (const k of Reflect.ownKeys(arr)) {
    if (k === 'length') continue;
    if (typeof k === 'string') {
      const i = Number(k);
      if (Number.isInteger(i) && i >= 0 && i < length && String(i) === k) continue;
    }
    out.push(String(k));
  }
  return out;
}

/** How an error names a key of an array that is no index. */
export function arrayKeyText(array: string, key: string): string {
  return `key '${key}' of the array ${array}`;
}

/** Why such a key is an error. */
export const ARRAY_KEY_ADVICE =
  "only an array's indices are part of the state (an index out of range, negative or not an integer?), so the value stored there would be lost (state shapes are fixed)";

/** Write `value` (plain data of the node's shape) into `words` at `base`. */
export function packInto(node: LayoutNode, value: unknown, words: Int32Array, base: number): void {
  switch (node.kind) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX)
        throw new ModelError(`${node.path || 'state'} = ${describeValue(value)}: expected an int32 integer`);
      words[base + node.offset] = value;
      return;
    case 'bool':
      if (typeof value !== 'boolean') throw new ModelError(`${node.path} = ${describeValue(value)}: expected a boolean`);
      words[base + node.offset] = value ? 1 : 0;
      return;
    case 'array': {
      const arr = value as ArrayLike<unknown> | undefined;
      if (arr === null || typeof arr !== 'object' || arr.length !== node.length)
        throw new ModelError(`${node.path} = ${describeValue(value)}: expected an array of length ${node.length} (state shapes are fixed)`);
      // A key that is no index (`d.arr[-1] = 1`, `d.arr[0.5]`: immer lets those through, as it
      // parses the key with parseInt) has no slot: refused, as an object's extra key is.
      const stray = nonIndexKeys(arr, node.length);
      if (stray.length > 0) throw new ModelError(`${stray.map((k) => arrayKeyText(node.path, k)).join(', ')}: ${ARRAY_KEY_ADVICE}`);
      for (let i = 0; i < node.length; i++) packInto(node.items[i]!, arr[i], words, base);
      return;
    }
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        throw new ModelError(`${node.path || 'state'} = ${describeValue(value)}: expected an object`);
      const obj = value as Record<string, unknown>;
      for (const k of Object.keys(obj))
        if (!node.fields.has(k)) throw new ModelError(`${node.path ? node.path + '.' : ''}${k}: not in the state's shape (state shapes are fixed)`);
      for (const [k, child] of node.fields) packInto(child, readField(obj, k), words, base);
      return;
    }
  }
}

function readField(obj: Record<string, unknown>, k: string): unknown {
  return obj[k];
}

/** Read the plain data of `node` out of `words` at `base`. */
export function unpack(node: LayoutNode, words: ArrayLike<number>, base: number): StateData {
  switch (node.kind) {
    case 'int':
      return words[base + node.offset]!;
    case 'bool':
      return words[base + node.offset] !== 0;
    case 'array':
      return node.items.map((item) => unpack(item, words, base));
    case 'object': {
      const out: Record<string, StateData> = {};
      for (const [k, child] of node.fields) out[k] = unpack(child, words, base);
      return out;
    }
  }
}


// ---------------------------------------------------------------------------------------------
// Views

const ARRAY_METHODS = [
  'map', 'filter', 'some', 'every', 'forEach', 'reduce', 'find', 'findIndex', 'indexOf',
  'includes', 'slice', 'join', 'entries', 'keys', 'values', 'flatMap', 'findLast', 'findLastIndex', 'at',
] as const;

/** Build the view object for `node`: getters/setters over `target.words`. */
export function buildView(node: LayoutNode, target: ViewTarget): unknown {
  if (node.kind === 'int' || node.kind === 'bool') throw new Error('leaf nodes have no view');
  const proto: Record<string | symbol, unknown> = Object.create(null);
  // The fields are own, enumerable, non-configurable properties of the view (not of its
  // prototype), so that Object.keys/values/entries, spread and Object.assign see them as they
  // see an immer draft's, and `delete` of a field throws instead of silently doing nothing.
  const own: PropertyDescriptorMap = {};
  const children = new Map<string, unknown>();
  const entries: [string, LayoutNode][] =
    node.kind === 'object' ? [...node.fields] : node.items.map((n, i) => [String(i), n] as [string, LayoutNode]);
  for (const [key, child] of entries) {
    if (child.kind === 'int' || child.kind === 'bool') {
      const off = child.offset;
      const isBool = child.kind === 'bool';
      own[key] = {
        enumerable: true,
        get(this: unknown) {
          if (target.reads) target.reads.add(off);
          const w = target.words[target.base + off]!;
          return isBool ? w !== 0 : w;
        },
        set(this: unknown, v: unknown) {
          if (target.readOnly) throw new ModelError(`${child.path}: written while the state is read-only (in a guard, next or property)`);
          if (target.writes) target.writes.add(off);
          if (isBool) {
            if (typeof v !== 'boolean') throw new ModelError(`${child.path} = ${describeValue(v)}: expected a boolean`);
            target.words[target.base + off] = v ? 1 : 0;
          } else {
            if (typeof v !== 'number' || (v | 0) !== v)
              throw new ModelError(`${child.path} = ${describeValue(v)}: expected an int32 integer`);
            target.words[target.base + off] = v;
          }
        },
      };
    } else {
      const sub = buildView(child, target);
      children.set(key, sub);
      own[key] = {
        enumerable: true,
        get() {
          return sub;
        },
        set(v: unknown) {
          if (target.readOnly) throw new ModelError(`${child.path}: written while the state is read-only (in a guard, next or property)`);
          if (v === sub) return;
          // Assigning plain data (or another view) over a sub-object: read it fully first,
          // since it may be, or contain, views aliasing the slots being written (a swap
          // `d.q = [d.q[1], d.q[0]]` must read both items before writing either).
          const data = deepPlain(v);
          if (target.writes) for (let i = 0; i < child.width; i++) target.writes.add(child.offset + i);
          packInto(child, data, target.words, target.base);
        },
      };
    }
  }
  if (node.kind === 'array') {
    const length = node.length;
    Object.defineProperty(proto, 'length', {
      get: () => length,
      set: (v: unknown) => {
        throw new ModelError(`${node.path}.length = ${describeValue(v)}: arrays in the state have a fixed length`);
      },
    });
    const items = () => {
      const out: unknown[] = new Array(length);
      const view = self as Record<number, unknown>;
      for (let i = 0; i < length; i++) out[i] = view[i];
      return out;
    };
    for (const m of ARRAY_METHODS) {
      Object.defineProperty(proto, m, {
        value: (...args: unknown[]) => (Array.prototype[m] as (...a: unknown[]) => unknown).apply(items(), args),
      });
    }
    for (const m of ['push', 'pop', 'shift', 'unshift', 'splice', 'fill', 'sort', 'reverse', 'copyWithin']) {
      Object.defineProperty(proto, m, {
        value: () => {
          throw new ModelError(`${node.path}.${m}(): arrays in the state have a fixed length; assign elements instead`);
        },
      });
    }
    Object.defineProperty(proto, Symbol.iterator, { value: () => items()[Symbol.iterator]() });
  }
  Object.defineProperty(proto, VIEW_NODE, { value: node });
  Object.defineProperty(proto, VIEW_TARGET, { value: target });
  Object.defineProperty(proto, 'toJSON', { value: () => toPlain(self) });
  const self = Object.create(proto) as object;
  Object.defineProperties(self, own);
  Object.preventExtensions(self);
  return self;
}

const VIEW_NODE = Symbol('kmc.view.node');
const VIEW_TARGET = Symbol('kmc.view.target');

export function isView(v: unknown): v is object {
  return v !== null && typeof v === 'object' && VIEW_NODE in v;
}

/** Plain data of `v` with every view inside it (at any depth) read out; plain leaves unchanged. */
function deepPlain(v: unknown): unknown {
  if (isView(v)) return toPlain(v);
  if (Array.isArray(v)) return v.map(deepPlain);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = deepPlain((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Plain data of a view (or of plain data, unchanged). */
export function toPlain(v: unknown): unknown {
  if (!isView(v)) return v;
  const node = (v as Record<symbol, LayoutNode>)[VIEW_NODE]!;
  const target = (v as Record<symbol, ViewTarget>)[VIEW_TARGET]!;
  // Reading a whole sub-object (`d.x = d.y`, a swap, JSON.stringify) reads every slot of it:
  // footprints must see those reads as they see the getters'.
  if (target.reads && (node.kind === 'object' || node.kind === 'array'))
    for (let i = 0; i < node.width; i++) target.reads.add(node.offset + i);
  return unpack(node, target.words, target.base);
}
