// Symmetry reduction: a model declares interchangeable members (identical CPUs, identical VM
// creators: SymmetryDef in src/model/types.ts); the search stores one canonical state per
// orbit of the group the declarations generate (Ip & Dill, "Better verification through
// symmetry", FMSD 9, 1996; Emerson & Sistla, "Symmetry and model checking", FMSD 9, 1996).
//
// Soundness rests on the declaration: every permutation of the members, applied to the threads
// they run, the arrays indexed by them, the slots that hold thread or member indices and the
// location ids that name them, must map the transition system onto itself and leave every
// property's value unchanged. The engine checks what it cheaply can when it builds the group
// (shapes, the initial state is fixed by every permutation); tests/engine/reduction/ checks
// the rest, the automorphism itself, on every reachable state of each bundled declaration.
// Because the initial state is fixed, a state and its image are at the same distance from it:
// breadth-first search over canonical states still finds shortest counterexamples.
//
// The canonical form of a state is the lexicographically least image under a set of candidate
// permutations that depends only on the state's orbit: each group's members sorted by a
// signature that no permutation of any group changes (their threads' location classes and the
// sorted, class-normalised values of their entries), every order of members with equal
// signatures tried. Equal signatures are rare once the members have done something, so a state
// usually costs one or a few images instead of the group's size.

import { ModelError } from '../../util/errors.js';
import type { CompiledModel } from '../../model/compile.js';
import type { LayoutNode } from '../../model/layout.js';
import type { SymmetryDef } from '../../model/types.js';
import { localsNode } from '../../model/locals.js';
import { withStoreBuffers } from '../../kernel/memory-symmetry.js';

/** How an extra word appended to the packed state (preemption bound) is renamed. */
export type ExtraKind = 'thread' | 'plain';

/** One permutation of one group, as tables over the packed state. */
interface Element {
  /** Thread t goes to thread tp[t]. */
  tp: Int32Array;
  /** lm[t][l]: location l of thread t becomes location lm[t][l] of thread tp[t]. */
  lm: Int32Array[];
  /** Variable slot v goes to variable slot sp[v]. */
  sp: Int32Array;
  /** Member index value v of this group becomes mm.get(v) (others unchanged). */
  mm: Map<number, number>;
}

interface Group {
  def: SymmetryDef;
  /** Scratch for canonicalisation: signatures (members × sigLen), sorted order, a permutation. */
  sigs: Float64Array;
  sigLen: number;
  order: Int32Array;
  perm: Int32Array;
  single: number[];
  memberSet: Set<number>;
  /** The kind code of this group's member-valued slots (MEMBER + index). */
  code: number;
  members: number[];
  /** memberThreads[i][k]: thread k of the member at position i. */
  memberThreads: number[][];
  /** entries[i]: the variable slots of the member at position i, over every indexed array. */
  entries: number[][];
  /** All m! elements; elementOf[code(p)] the index of permutation p. */
  elements: Element[];
  perms: Int32Array[];
  elementOf: Int32Array;
}

const PLAIN = 0;
const THREAD = 1;
const MEMBER = 2; // + group index

export class Canonicalizer {
  private readonly groups: Group[] = [];
  private readonly pcs: number;
  private readonly vars: number;
  /** Width of the model's packed state (extra words follow). */
  private readonly base: number;
  private readonly kind: Int32Array;
  private readonly extraKinds: ExtraKind[];
  private readonly threadClass: Int32Array;
  private readonly locClass: Int32Array;
  private readonly locBase: Int32Array;
  private readonly bufA: Int32Array;
  private readonly bufB: Int32Array;
  private readonly best: Int32Array;

  constructor(
    private readonly model: CompiledModel,
    decls: readonly SymmetryDef[],
    extraKinds: ExtraKind[] = [],
  ) {
    this.pcs = model.pcs;
    this.vars = model.layout.size;
    this.base = model.pcs + model.layout.size;
    this.extraKinds = extraKinds;
    const width = this.base + extraKinds.length;
    this.bufA = new Int32Array(width);
    this.bufB = new Int32Array(width);
    this.best = new Int32Array(width);
    this.kind = new Int32Array(this.vars);
    this.locBase = new Int32Array(model.pcs + 1);
    for (let t = 0; t < model.pcs; t++) this.locBase[t + 1] = this.locBase[t]! + model.threads[t]!.locations.length;

    const usedThreads = new Set<number>();
    // Store buffers (tso, lkmm) move with their CPU, or the declaration is refused (memory-symmetry.ts).
    withStoreBuffers(model, decls).forEach((d) => {
      if (new Set(d.members).size !== d.members.length) throw new ModelError(`model ${model.name}: symmetry '${d.name}': members repeat`);
      if (d.members.length < 2) return; // nothing to permute
      this.groups.push(this.buildGroup(d, this.groups.length + MEMBER, usedThreads));
    });

    // Location and thread classes: the orbits under every element of every group.
    const nLocs = this.locBase[model.pcs]!;
    const locParent = Int32Array.from({ length: nLocs }, (_, i) => i);
    const thrParent = Int32Array.from({ length: model.pcs }, (_, i) => i);
    const find = (p: Int32Array, i: number): number => {
      while (p[i] !== i) i = p[i] = p[p[i]!]!;
      return i;
    };
    const union = (p: Int32Array, a: number, b: number) => {
      const x = find(p, a);
      const y = find(p, b);
      if (x !== y) p[Math.max(x, y)] = Math.min(x, y);
    };
    for (const g of this.groups)
      for (const e of g.elements)
        for (let t = 0; t < model.pcs; t++) {
          union(thrParent, t, e.tp[t]!);
          const lm = e.lm[t]!;
          for (let l = 0; l < lm.length; l++) union(locParent, this.locBase[t]! + l, this.locBase[e.tp[t]!]! + lm[l]!);
        }
    this.locClass = Int32Array.from({ length: nLocs }, (_, i) => find(locParent, i));
    this.threadClass = Int32Array.from({ length: model.pcs }, (_, i) => find(thrParent, i));

    // The initial state must be fixed by every permutation (else the group is not one of the
    // rooted system, and orbits would not preserve distances from it).
    const init = new Int32Array(width);
    init.set(model.init.subarray(0, this.base));
    for (let j = 0; j < extraKinds.length; j++) init[this.base + j] = extraKinds[j] === 'thread' ? -1 : 0;
    for (const g of this.groups)
      g.elements.forEach((e, i) => {
        this.apply(g, e, init, this.bufA);
        for (let k = 0; k < width; k++)
          if (this.bufA[k] !== init[k])
            throw new ModelError(
              `model ${model.name}: symmetry '${g.def.name}': the initial state is not symmetric: permuting the members as ${describePerm(g, g.perms[i]!)} changes ${this.slotName(k)}`,
            );
      });
  }

  /** Is there anything to permute? */
  get active(): boolean {
    return this.groups.length > 0;
  }

  /** The groups, for reports: name and members. */
  describe(): { name: string; members: number[] }[] {
    return this.groups.map((g) => ({ name: g.def.name, members: [...g.members] }));
  }

  /** Number of elements of the whole group (the product of the groups' sizes). */
  get order(): number {
    return this.groups.reduce((n, g) => n * g.elements.length, 1);
  }

  private slotName(k: number): string {
    if (k < this.pcs) return `the location of ${this.model.threadNames[k]}`;
    if (k < this.base) return this.model.layout.paths[k - this.pcs]!;
    return `extra word ${k - this.base}`;
  }

  private buildGroup(d: SymmetryDef, kindCode: number, usedThreads: Set<number>): Group {
    const model = this.model;
    const where = `model ${model.name}: symmetry '${d.name}'`;
    const m = d.members.length;
    const pos = new Map(d.members.map((v, i) => [v, i] as const));

    const memberThreads = d.members.map((mem) =>
      (d.threads?.(mem) ?? []).map((name) => {
        const t = model.threadNames.indexOf(name);
        if (t < 0) throw new ModelError(`${where}: member ${mem} runs thread '${name}', which the model does not have`);
        if (usedThreads.has(t)) throw new ModelError(`${where}: thread '${name}' belongs to two members`);
        usedThreads.add(t);
        return t;
      }),
    );
    const k = memberThreads[0]!.length;
    if (memberThreads.some((ts) => ts.length !== k)) throw new ModelError(`${where}: the members run different numbers of threads`);
    for (let i = 1; i < m; i++)
      for (let j = 0; j < k; j++) {
        const a = model.threads[memberThreads[0]![j]!]!;
        const b = model.threads[memberThreads[i]![j]!]!;
        if (a.locations.length !== b.locations.length)
          throw new ModelError(`${where}: threads ${a.name} and ${b.name} have different programs (${a.locations.length} and ${b.locations.length} locations)`);
      }

    // Indexed arrays: entry `member` of each.
    const entries: number[][] = d.members.map(() => []);
    const arrays: (LayoutNode & { kind: 'array' })[] = [];
    for (const path of d.indexed ?? [])
      for (const node of resolve(model.layout.root, path, where)) {
        if (node.kind !== 'array') throw new ModelError(`${where}: indexed '${path}' is not an array`);
        const first = node.items[d.members[0]!];
        for (const mem of d.members) {
          const item = node.items[mem];
          if (!item) throw new ModelError(`${where}: ${node.path} has no entry for member ${mem}`);
          if (width(item) !== width(first!)) throw new ModelError(`${where}: the entries of ${node.path} differ in shape`);
        }
        arrays.push(node);
        d.members.forEach((mem, i) => {
          const item = node.items[mem]!;
          for (let s = 0; s < width(item); s++) entries[i]!.push(item.offset + s);
        });
      }
    // Thread-local variables move with their thread: thread j of member i owns its locals, as
    // an indexed entry of member i (locals.ts). Threads of one kind have locals of one shape.
    const localNodes = memberThreads.map((ts) => ts.map((t) => localsNode(model.layout, model.threadNames[t]!)));
    for (let j = 0; j < k; j++) {
      const w0 = localNodes[0]![j] ? width(localNodes[0]![j]!) : 0;
      for (let i = 0; i < m; i++) {
        const node = localNodes[i]![j];
        if ((node ? width(node) : 0) !== w0)
          throw new ModelError(`${where}: threads ${model.threadNames[memberThreads[0]![j]!]} and ${model.threadNames[memberThreads[i]![j]!]} have locals of different shapes`);
        if (node) entries[i]!.push(...leaves(node));
      }
    }
    const seen = new Set<number>();
    for (const e of entries)
      for (const s of e) {
        if (seen.has(s)) throw new ModelError(`${where}: slot ${model.layout.paths[s]} is in two indexed entries`);
        seen.add(s);
      }

    const markKind = (paths: readonly string[] | undefined, code: number, what: string) => {
      for (const path of paths ?? [])
        for (const node of resolve(model.layout.root, path, where))
          for (const s of leaves(node)) {
            if (this.kind[s] !== PLAIN && this.kind[s] !== code)
              throw new ModelError(`${where}: ${model.layout.paths[s]} is declared both a thread index and a member index`);
            if (model.layout.kinds[s] !== 'int') throw new ModelError(`${where}: ${what} '${path}' is not a number`);
            this.kind[s] = code;
          }
    };
    markKind(d.threadValues, THREAD, 'thread value');
    markKind(d.memberValues, kindCode, 'member value');
    // The same, for fields of the threads' locals (`cpu` in every thread's locals that has one;
    // a task that may run on any CPU is no member's, yet its `cpu` names one).
    const markLocal = (paths: readonly string[] | undefined, code: number, what: string) => {
      const found = new Set<string>();
      for (let t = 0; t < model.pcs; t++) {
        const node = localsNode(model.layout, model.threadNames[t]!);
        if (!node) continue;
        for (const path of paths ?? []) {
          let nodes: LayoutNode[];
          try {
            nodes = resolve(node, path, where);
          } catch {
            continue; // a thread kind without this local
          }
          found.add(path);
          for (const n of nodes)
            for (const sl of leaves(n)) {
              if (this.kind[sl] !== PLAIN && this.kind[sl] !== code)
                throw new ModelError(`${where}: ${model.layout.paths[sl]} is declared both a thread index and a member index`);
              if (model.layout.kinds[sl] !== 'int') throw new ModelError(`${where}: ${what} '${path}' is not a number`);
              this.kind[sl] = code;
            }
        }
      }
      for (const path of paths ?? []) if (!found.has(path)) throw new ModelError(`${where}: ${what} '${path}' is in no thread's locals`);
    };
    markLocal(d.localThreadValues, THREAD, 'local thread value');
    markLocal(d.localMemberValues, kindCode, 'local member value');

    // Every permutation of the members.
    const perms = permutations(m);
    const elementOf = new Int32Array(m ** m).fill(-1);
    const elements = perms.map((p, pi) => {
      elementOf[code(p, m)] = pi;
      const rename = (mem: number) => {
        const i = pos.get(mem);
        return i === undefined ? mem : d.members[p[i]!]!;
      };
      const tp = Int32Array.from({ length: model.pcs }, (_, t) => t);
      memberThreads.forEach((ts, i) => ts.forEach((t, j) => (tp[t] = memberThreads[p[i]!]![j]!)));
      const lm = model.threads.map((th, t) => {
        const to = model.threads[tp[t]!]!;
        return Int32Array.from(th.locations, (loc) => {
          const id = d.locations ? d.locations(th.name, loc.id, rename) : loc.id;
          const l = to.ids.get(id);
          if (l === undefined)
            throw new ModelError(`${where}: location '${loc.id}' of ${th.name} becomes '${id}', which ${to.name} does not have`);
          return l;
        });
      });
      const sp = Int32Array.from({ length: this.vars }, (_, v) => v);
      memberThreads.forEach((ts, i) =>
        ts.forEach((_, j) => {
          const from = localNodes[i]![j];
          const to = localNodes[p[i]!]![j];
          if (from && to) for (let s = 0; s < width(from); s++) sp[from.offset + s] = to.offset + s;
        }),
      );
      for (const node of arrays)
        d.members.forEach((mem, i) => {
          const from = node.items[mem]!;
          const to = node.items[d.members[p[i]!]!]!;
          for (let s = 0; s < width(from); s++) sp[from.offset + s] = to.offset + s;
        });
      const mm = new Map(d.members.map((mem, i) => [mem, d.members[p[i]!]!] as const));
      return { tp, lm, sp, mm };
    });
    const sigLen = k + entries[0]!.length;
    return {
      def: d,
      code: kindCode,
      members: [...d.members],
      memberThreads,
      entries,
      elements,
      perms,
      elementOf,
      sigs: new Float64Array(m * sigLen),
      sigLen,
      order: new Int32Array(m),
      perm: new Int32Array(m),
      single: [0],
      memberSet: new Set(d.members),
    };
  }

  /** y = e(x), for an element of group `g`. */
  private apply(g: Group, e: Element, x: Int32Array, y: Int32Array): void {
    const pcs = this.pcs;
    const kind = this.kind;
    const gk = g.code;
    for (let t = 0; t < pcs; t++) {
      const pc = x[t]!;
      y[e.tp[t]!] = pc < 0 ? pc : e.lm[t]![pc]!;
    }
    for (let v = 0; v < this.vars; v++) {
      const val = x[pcs + v]!;
      const k = kind[v]!;
      y[pcs + e.sp[v]!] = k === PLAIN ? val : k === THREAD ? (val >= 0 && val < pcs ? e.tp[val]! : val) : k === gk ? (e.mm.get(val) ?? val) : val;
    }
    for (let j = 0; j < this.extraKinds.length; j++) {
      const val = x[this.base + j]!;
      y[this.base + j] = this.extraKinds[j] === 'thread' && val >= 0 && val < pcs ? e.tp[val]! : val;
    }
  }

  /** A value as the signatures see it: the same for every permutation of every group. */
  private norm(v: number, val: number): number {
    const k = this.kind[v]!;
    if (k === THREAD) return val >= 0 && val < this.pcs ? 2 ** 33 + this.threadClass[val]! : val;
    if (k >= MEMBER) return this.groups[k - MEMBER]!.memberSet.has(val) ? 2 ** 34 + k : val;
    return val;
  }

  /** Each member's signature into g.sigs (members' rows of g.sigLen numbers). */
  private signatures(g: Group, x: Int32Array): void {
    const sigs = g.sigs;
    const L = g.sigLen;
    const pcs = this.pcs;
    for (let i = 0; i < g.members.length; i++) {
      let o = i * L;
      const threads = g.memberThreads[i]!;
      for (let j = 0; j < threads.length; j++) {
        const t = threads[j]!;
        const pc = x[t]!;
        sigs[o++] = pc < 0 ? -1 : this.locClass[this.locBase[t]! + pc]!;
      }
      // The entries' values as a sorted multiset (other groups permute inside entries).
      const start = o;
      const entries = g.entries[i]!;
      for (let j = 0; j < entries.length; j++) {
        const v = entries[j]!;
        const val = this.norm(v, x[pcs + v]!);
        let k = o++;
        while (k > start && sigs[k - 1]! > val) {
          sigs[k] = sigs[k - 1]!;
          k--;
        }
        sigs[k] = val;
      }
    }
  }

  private compareMembers(g: Group, a: number, b: number): number {
    const sigs = g.sigs;
    const L = g.sigLen;
    for (let k = 0; k < L; k++) {
      const x = sigs[a * L + k]!;
      const y = sigs[b * L + k]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  }

  /** The candidate permutations of group g for state x: members sorted by signature, ties in every order. */
  private candidates(g: Group, x: Int32Array): number[] {
    const m = g.members.length;
    this.signatures(g, x);
    const order = g.order;
    for (let i = 0; i < m; i++) {
      let k = i;
      while (k > 0 && this.compareMembers(g, order[k - 1]!, i) > 0) {
        order[k] = order[k - 1]!;
        k--;
      }
      order[k] = i;
    }
    const p = g.perm;
    let ties = false;
    for (let j = 0; j < m; j++) {
      p[order[j]!] = j;
      if (j > 0 && this.compareMembers(g, order[j]!, order[j - 1]!) === 0) ties = true;
    }
    if (!ties) {
      g.single[0] = g.elementOf[code(p, m)]!;
      return g.single;
    }
    // Tie classes: runs of equal signatures in `order`; every order within each.
    const classes: number[][] = [];
    for (let j = 0; j < m; j++) {
      if (j > 0 && this.compareMembers(g, order[j]!, order[j - 1]!) === 0) classes[classes.length - 1]!.push(order[j]!);
      else classes.push([order[j]!]);
    }
    const out: number[] = [];
    const rec = (c: number, start: number) => {
      if (c === classes.length) {
        out.push(g.elementOf[code(p, m)]!);
        return;
      }
      const cls = classes[c]!;
      for (const arr of permutations(cls.length)) {
        for (let j = 0; j < cls.length; j++) p[cls[j]!] = start + arr[j]!;
        rec(c + 1, start + cls.length);
      }
    };
    rec(0, 0);
    return out;
  }

  /** Replace `state` by the canonical representative of its orbit. */
  canonicalize(state: Int32Array): void {
    const groups = this.groups;
    if (groups.length === 0) return;
    const cands = groups.map((g) => this.candidates(g, state));
    const w = this.best.length;
    let have = false;
    const idx = new Array<number>(groups.length).fill(0);
    for (;;) {
      // image = e_G(... e_1(state))
      let src: Int32Array = state;
      let dst = this.bufA;
      for (let gi = 0; gi < groups.length; gi++) {
        const g = groups[gi]!;
        this.apply(g, g.elements[cands[gi]![idx[gi]!]!]!, src, dst);
        src = dst;
        dst = dst === this.bufA ? this.bufB : this.bufA;
      }
      if (!have) {
        this.best.set(src);
        have = true;
      } else {
        for (let k = 0; k < w; k++) {
          const a = src[k]!;
          const b = this.best[k]!;
          if (a !== b) {
            if (a < b) this.best.set(src);
            break;
          }
        }
      }
      let gi = 0;
      while (gi < groups.length && ++idx[gi]! === cands[gi]!.length) idx[gi++] = 0;
      if (gi === groups.length) break;
    }
    state.set(this.best);
  }

  /** The image of `x` under the k-th element of the whole group (0 <= k < order), for tests. */
  image(x: Int32Array, k: number): Int32Array {
    let src = x.slice();
    for (const g of this.groups) {
      const dst = new Int32Array(src.length);
      this.apply(g, g.elements[k % g.elements.length]!, src, dst);
      k = Math.floor(k / g.elements.length);
      src = dst;
    }
    return src;
  }

  /**
   * Every element of the whole group as maps of slots (program counters first, as in the
   * packed state) and of global location numbers (locBase[t] + l), for closing footprints.
   */
  slotMaps(): { slot: Int32Array; loc: Int32Array }[] {
    const out: { slot: Int32Array; loc: Int32Array }[] = [];
    const nLocs = this.locBase[this.pcs]!;
    const width = this.base;
    const idSlots = Int32Array.from({ length: width }, (_, i) => i);
    const idLocs = Int32Array.from({ length: nLocs }, (_, i) => i);
    const rec = (gi: number, slot: Int32Array, loc: Int32Array) => {
      if (gi === this.groups.length) {
        out.push({ slot, loc });
        return;
      }
      for (const e of this.groups[gi]!.elements) {
        // compose: first what we have, then e
        const s2 = new Int32Array(width);
        const l2 = new Int32Array(nLocs);
        for (let i = 0; i < width; i++) {
          const j = slot[i]!;
          s2[i] = j < this.pcs ? e.tp[j]! : this.pcs + e.sp[j - this.pcs]!;
        }
        for (let i = 0; i < nLocs; i++) {
          const g = loc[i]!;
          const t = this.threadOfLoc(g);
          const l = g - this.locBase[t]!;
          l2[i] = this.locBase[e.tp[t]!]! + e.lm[t]![l]!;
        }
        rec(gi + 1, s2, l2);
      }
    };
    rec(0, idSlots, idLocs);
    return out;
  }

  private threadOfLoc(g: number): number {
    let t = 0;
    while (this.locBase[t + 1]! <= g) t++;
    return t;
  }
}

function width(n: LayoutNode): number {
  return n.kind === 'int' || n.kind === 'bool' ? 1 : n.width;
}

function leaves(n: LayoutNode): number[] {
  if (n.kind === 'int' || n.kind === 'bool') return [n.offset];
  return Array.from({ length: n.width }, (_, i) => n.offset + i);
}

/** The layout nodes a path names: `a.b[2].c`, `[*]` for every index. */
export function resolve(root: LayoutNode, path: string, where: string): LayoutNode[] {
  const parts = path.match(/[^.[\]]+|\[\*\]|\[\d+\]/g);
  if (!parts) throw new ModelError(`${where}: bad path '${path}'`);
  let nodes = [root];
  for (const part of parts) {
    const next: LayoutNode[] = [];
    for (const n of nodes) {
      if (part === '[*]') {
        if (n.kind !== 'array') throw new ModelError(`${where}: '${path}': ${n.path || 'the state'} is not an array`);
        next.push(...n.items);
      } else if (part.startsWith('[')) {
        if (n.kind !== 'array') throw new ModelError(`${where}: '${path}': ${n.path || 'the state'} is not an array`);
        const item = n.items[Number(part.slice(1, -1))];
        if (!item) throw new ModelError(`${where}: '${path}': no such index`);
        next.push(item);
      } else {
        if (n.kind !== 'object' || !n.fields.has(part)) throw new ModelError(`${where}: '${path}': the state has no '${part}' there`);
        next.push(n.fields.get(part)!);
      }
    }
    nodes = next;
  }
  return nodes;
}

function compareSig(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length;
}

function code(p: ArrayLike<number>, m: number): number {
  let c = 0;
  for (let i = 0; i < m; i++) c = c * m + p[i]!;
  return c;
}

const permCache = new Map<number, Int32Array[]>();
export function permutations(m: number): Int32Array[] {
  const hit = permCache.get(m);
  if (hit) return hit;
  const out: Int32Array[] = [];
  const p = Int32Array.from({ length: m }, (_, i) => i);
  const rec = (k: number) => {
    if (k === m) {
      out.push(p.slice());
      return;
    }
    for (let i = k; i < m; i++) {
      [p[k], p[i]] = [p[i]!, p[k]!];
      rec(k + 1);
      [p[k], p[i]] = [p[i]!, p[k]!];
    }
  };
  rec(0);
  permCache.set(m, out);
  return out;
}

function describePerm(g: Group, p: Int32Array): string {
  return g.members.map((mem, i) => `${mem}→${g.members[p[i]!]}`).join(', ');
}
