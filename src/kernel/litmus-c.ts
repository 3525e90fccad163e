// A reader for the C-litmus format of herd7 and the Linux kernel's memory model
// (tools/memory-model/litmus-tests/*.litmus): `C name`, a comment whose `Result:` line states
// herd7's answer (Never / Sometimes), an initial-state block, one `Pn(...) { ... }` per CPU and an
// `exists` clause. It reads the fragment kmc's memory models cover (src/kernel/memory.ts) into a
// Litmus (src/kernel/litmus.ts): marked accesses (READ_ONCE/WRITE_ONCE, atomic_read/atomic_set,
// acquire/release), barriers, xchg/cmpxchg/atomic RMWs in their ordering forms, spinlocks, and
// control dependencies of one statement (`if (r) WRITE_ONCE(*y, 1);`). Anything else (braced or
// nested control flow, data and address dependencies through registers, plain C accesses, RCU,
// spin_is_locked, atomic_add_unless, filter, pointers as values...) is refused with the construct
// named, so that a run lists the tests outside the fragment instead of guessing.

import type { Litmus, LitmusCond, LitmusOp } from './litmus.js';
import { reservedName } from './litmus.js';

/** herd7's answer as the header states it: Never, Sometimes, Always, or another word (DEADLOCK), which is not compared. */
export type HerdResult = string;

export type ParsedCLitmus =
  | { ok: true; name: string; result: HerdResult | undefined; test: Litmus }
  | { ok: false; name: string; result: HerdResult | undefined; reason: string };

class Outside extends Error {}
const outside = (why: string): never => {
  throw new Outside(why);
};

const INT = /^-?\d+$/;

/** Parse one C-litmus file's text. Never throws for malformed or unsupported input: says why. */
export function parseCLitmus(text: string, fallbackName = '?'): ParsedCLitmus {
  const header = /^\s*C\s+(\S+)/.exec(text);
  const name = header?.[1] ?? fallbackName;
  const result = /Result:\s*(\w+)/.exec(text)?.[1];
  try {
    if (!header) outside('not a C litmus test (no "C name" line)');
    const test = parseBody(name, text.slice(header!.index + header![0].length));
    const reserved = reservedName(test);
    if (reserved !== undefined) outside(reserved);
    return { ok: true, name, result, test };
  } catch (e) {
    if (e instanceof Outside) return { ok: false, name, result, reason: e.message };
    throw e;
  }
}

/** OCaml-style `(* … *)` comments (never `(*x` in C code: a comment opens with `(*` and a space), C comments. */
function stripComments(s: string): string {
  return s.replace(/\(\*(?=\s)[\s\S]*?\*\)/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

/** The text between the `{` at `open` and its matching `}`, and the index after it. */
function block(s: string, open: number): { inner: string; end: number } {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return { inner: s.slice(open + 1, i), end: i + 1 };
  }
  return outside('unbalanced braces');
}

function parseBody(name: string, raw: string): Litmus {
  const s = stripComments(raw);
  const initOpen = s.indexOf('{');
  if (initOpen < 0) outside('no initial-state block');
  const init = block(s, initOpen);
  const vars: Record<string, number> = {};
  const locks = new Set<string>();
  for (const stmt of init.inner.split(';').map((x) => x.trim()).filter(Boolean)) {
    let m: RegExpExecArray | null;
    if ((m = /^spinlock_t\s+(\w+)$/.exec(stmt))) locks.add(m[1]!);
    else if ((m = /^(?:int|atomic_t)\s+(\w+)$/.exec(stmt))) vars[m[1]!] ??= 0;
    else if ((m = /^(?:int\s+|atomic_t\s+)?(\w+)\s*=\s*(?:ATOMIC_INIT\(\s*(-?\d+)\s*\)|(\S+))$/.exec(stmt))) {
      const v = m[2] ?? m[3]!; // ATOMIC_INIT(n) or n
      if (!INT.test(v)) outside(`initial value '${stmt}' is not an integer (pointers are outside the fragment)`);
      vars[m[1]!] = Number(v);
    } else outside(`initial-state declaration '${stmt}'`);
  }
  let rest = s.slice(init.end);
  const threads: LitmusOp[][] = [];
  for (;;) {
    const m = /^\s*P(\d+)\s*\(([^)]*)\)\s*\{/.exec(rest);
    if (!m) break;
    if (Number(m[1]) !== threads.length) outside(`process P${m[1]} out of order`);
    for (const p of m[2]!.split(',').map((x) => x.trim()).filter(Boolean)) {
      const pm = /^(int|atomic_t|spinlock_t)\s*\*\s*(\w+)$/.exec(p);
      if (!pm) outside(`parameter '${p}' (only int *, atomic_t *, spinlock_t *)`);
      if (pm![1] === 'spinlock_t') locks.add(pm![2]!);
      else vars[pm![2]!] ??= 0;
    }
    const body = block(rest, m.index + m[0].length - 1);
    threads.push(parseProcess(body.inner, locks));
    rest = rest.slice(body.end);
  }
  if (threads.length === 0) outside('no processes');
  const tail = rest.trim();
  if (/^locations\s*\[[^\]]*\]/.test(tail)) rest = tail.replace(/^locations\s*\[[^\]]*\]/, '');
  const clause = rest.trim();
  if (/^filter\b/.test(clause)) outside('filter clause');
  if (/^~\s*exists\b/.test(clause)) outside('~exists clause');
  if (/^forall\b/.test(clause)) outside('forall clause');
  const em = /^exists\s*([\s\S]*)$/.exec(clause);
  if (!em) outside(`no exists clause (found '${clause.slice(0, 30)}')`);
  const exists = parseCond(em![1]!.trim(), threads.length);
  return { name, vars, threads, exists, ...(locks.size ? { locks: [...locks].sort() } : {}) } as Litmus;
}

const ptr = (a: string): string => {
  const m = /^\*?\s*(\w+)$/.exec(a.trim()) ?? /^&\s*(\w+)$/.exec(a.trim());
  if (!m) outside(`'${a.trim()}' is not a shared variable`);
  return m![1]!;
};

const value = (a: string): number => {
  if (!INT.test(a.trim())) outside(`'${a.trim()}' stored is not an integer constant (a register or expression: a data dependency)`);
  return Number(a.trim());
};

function parseProcess(body: string, locks: Set<string>): LitmusOp[] {
  const ops: LitmusOp[] = [];
  for (const stmt of body.split(';').map((x) => x.replace(/\s+/g, ' ').trim()).filter(Boolean)) {
    if (/^int \w+$/.test(stmt) || /^int \w+(, ?\w+)+$/.test(stmt)) continue;
    if (/^int \*/.test(stmt)) outside(`pointer register '${stmt}'`);
    // A control dependency: `if (r) stmt`, `if (!r)`, `if (r == n)`, `if (r != n)`, one statement, no braces.
    const c = /^if ?\((.+?)\) ?([^{}]+)$/.exec(stmt);
    if (c && !/^(if|while|for)\b/.test(c[2]!)) {
      const cond = c[1]!.trim();
      const m = /^(!)? ?([A-Za-z_]\w*)$/.exec(cond) ?? /^([A-Za-z_]\w*) ?(==|!=) ?(-?\d+)$/.exec(cond);
      if (!m) outside(`control flow ('if (${cond})': only a register, !register, register == n or != n)`);
      const when = m!.length === 3 ? { r: m![2]!, ...(m![1] ? { eq: 0 } : { ne: 0 }) } : { r: m![1]!, ...(m![2] === '==' ? { eq: Number(m![3]) } : { ne: Number(m![3]) }) };
      const op = parseStatement(c[2]!.trim(), locks);
      if (op === undefined) outside(`control flow ('${stmt.slice(0, 40)}')`);
      if (op!.op === 'lock' || op!.op === 'unlock') outside(`a conditional ${op!.op} ('${stmt.slice(0, 40)}')`);
      ops.push({ ...op!, when } as LitmusOp);
      continue;
    }
    if (/^(if|while|for)\b|[{}]/.test(stmt)) outside(`control flow ('${stmt.slice(0, 40)}')`);
    const op = parseStatement(stmt, locks);
    if (op === undefined) outside(`statement '${stmt.length > 50 ? `${stmt.slice(0, 50)}...` : stmt}'`);
    ops.push(op!);
  }
  return ops;
}

/** One statement as an operation, or undefined when it is none kmc reads. */
function parseStatement(stmt: string, locks: Set<string>): LitmusOp | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^(smp_mb|smp_wmb|smp_rmb|smp_mb__before_atomic|smp_mb__after_atomic|smp_mb__after_spinlock|smp_mb__after_unlock_lock)\(\)$/.exec(stmt))) {
    // After a lock acquisition (or an unlock+lock pair) these are full barriers: smp_mb here.
    const kind = {
      smp_mb: 'mb',
      smp_wmb: 'wmb',
      smp_rmb: 'rmb',
      smp_mb__before_atomic: 'before_atomic',
      smp_mb__after_atomic: 'after_atomic',
      smp_mb__after_spinlock: 'mb',
      smp_mb__after_unlock_lock: 'mb',
    } as const;
    return { op: 'fence', kind: kind[m[1] as keyof typeof kind] };
  }
  if ((m = /^(?:WRITE_ONCE|atomic_set)\((.+?),(.+)\)$/.exec(stmt))) return { op: 'store', x: ptr(m[1]!), v: value(m[2]!) };
  if ((m = /^smp_store_release\((.+?),(.+)\)$/.exec(stmt))) return { op: 'store', x: ptr(m[1]!), v: value(m[2]!), kind: 'release' };
  if ((m = /^smp_store_mb\((.+?),(.+)\)$/.exec(stmt))) return { op: 'store', x: ptr(m[1]!), v: value(m[2]!), kind: 'mb' };
  if ((m = /^(?:int )?(\w+) ?= ?(?:READ_ONCE|atomic_read)\((.+)\)$/.exec(stmt))) return { op: 'load', x: ptr(m[2]!), r: m[1]! };
  if ((m = /^(?:int )?(\w+) ?= ?smp_load_acquire\((.+)\)$/.exec(stmt))) return { op: 'load', x: ptr(m[2]!), r: m[1]!, kind: 'acquire' };
  if ((m = /^(?:(?:int )?(\w+) ?= ?)?xchg(?:_(relaxed|acquire|release))?\((.+?),(.+)\)$/.exec(stmt)))
    return { op: 'xchg', x: ptr(m[3]!), v: value(m[4]!), ...(m[1] ? { r: m[1] } : {}), ...(m[2] ? { order: m[2] } : {}) };
  if ((m = /^(?:(?:int )?(\w+) ?= ?)?cmpxchg(?:_(relaxed|acquire|release))?\((.+?),(.+?),(.+)\)$/.exec(stmt)))
    return { op: 'cmpxchg', x: ptr(m[3]!), old: value(m[4]!), v: value(m[5]!), ...(m[1] ? { r: m[1] } : {}), ...(m[2] ? { order: m[2] } : {}) };
  if ((m = /^atomic_(add|sub)\((.+?),(.+)\)$/.exec(stmt))) return { op: 'add', x: ptr(m[3]!), v: (m[1] === 'sub' ? -1 : 1) * value(m[2]!) };
  if ((m = /^atomic_(inc|dec)\((.+)\)$/.exec(stmt))) return { op: 'add', x: ptr(m[2]!), v: m[1] === 'inc' ? 1 : -1 };
  if ((m = /^(?:int )?(\w+) ?= ?atomic_fetch_(add|sub)(?:_(relaxed|acquire|release))?\((.+?),(.+)\)$/.exec(stmt)))
    return { op: 'add', x: ptr(m[5]!), v: (m[2] === 'sub' ? -1 : 1) * value(m[4]!), r: m[1]!, ...(m[3] ? { order: m[3] } : {}) };
  // atomic_add_return and its kin return the new value.
  if ((m = /^(?:int )?(\w+) ?= ?atomic_(add|sub)_return(?:_(relaxed|acquire|release))?\((.+?),(.+)\)$/.exec(stmt)))
    return { op: 'add', x: ptr(m[5]!), v: (m[2] === 'sub' ? -1 : 1) * value(m[4]!), r: m[1]!, ret: 'new', ...(m[3] ? { order: m[3] } : {}) };
  if ((m = /^(?:int )?(\w+) ?= ?atomic_(inc|dec)_return(?:_(relaxed|acquire|release))?\((.+)\)$/.exec(stmt)))
    return { op: 'add', x: ptr(m[4]!), v: m[2] === 'inc' ? 1 : -1, r: m[1]!, ret: 'new', ...(m[3] ? { order: m[3] } : {}) };
  if ((m = /^spin_(lock|unlock)\((.+)\)$/.exec(stmt))) {
    const l = ptr(m[2]!);
    if (!locks.has(l)) outside(`spin_${m[1]}(${l}) of an undeclared lock`);
    return { op: m[1] as 'lock' | 'unlock', l };
  }
  return undefined;
}

/** The exists condition: atoms `n:r=v` and `x=v`, connectives `/\`, `\/`, `~`, parentheses. */
function parseCond(text: string, threads: number): LitmusCond {
  const tokens = text.match(/\/\\|\\\/|~|\(|\)|[^\s()~\/\\]+/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  /** `sub (sep sub)*`, wrapped by `wrap` when there is more than one. */
  const chain = (sep: string, sub: () => LitmusCond, wrap: (parts: LitmusCond[]) => LitmusCond): LitmusCond => {
    const parts = [sub()];
    while (peek() === sep) {
      next();
      parts.push(sub());
    }
    return parts.length === 1 ? parts[0]! : wrap(parts);
  };
  const and = (): LitmusCond => chain('/\\', unary, (parts) => ({ and: parts }));
  const or = (): LitmusCond => chain('\\/', and, (parts) => ({ or: parts }));
  const unary = (): LitmusCond => {
    const t = next();
    if (t === '~') return { not: unary() };
    if (t === '(') {
      const c = or();
      if (next() !== ')') outside('unbalanced parentheses in exists');
      return c;
    }
    if (t === undefined) return outside('exists clause ends early');
    const m = /^(?:(\d+):(\w+)|(\w+))=(\S+)$/.exec(t);
    if (!m) return outside(`exists atom '${t}'`);
    if (!INT.test(m[4]!)) return outside(`exists compares with '${m[4]}', not an integer (pointers are outside the fragment)`);
    if (m[1] !== undefined) {
      if (Number(m[1]) >= threads) outside(`exists names P${m[1]}, which does not exist`);
      return { reg: [Number(m[1]), m[2]!], eq: Number(m[4]) };
    }
    return { mem: m[3]!, eq: Number(m[4]) };
  };
  const c = or();
  if (i !== tokens.length) outside(`exists clause: unexpected '${tokens[i]}'`);
  return c;
}
