// The step compiler's tokenizer (src/model/straight.ts): a function's source text as tokens,
// the literal parts and substitutions of a template, and the few questions the parser asks of a
// token (does it assign, end a statement or an argument, open or end a comparison). A token
// outside what the generator reads is a refusal (no).

import { no } from './unsupported.js';

/** `nl`: a line break (or a comment holding one) comes before the token, where JavaScript may insert a semicolon. */
/**
 * `tpl`: a template literal, or a string with escapes: opaque (skipped over, never compiled as a
 * value), except a template without escapes or line breaks, whose literal parts (`quasis`) and
 * substitutions' sources (`subs`) a property may read as a string known when compiling (Gen.template).
 */
export type Tok = { t: 'id' | 'num' | 'op' | 'str' | 'tpl'; v: string; nl?: true; quasis?: string[]; subs?: string[] };
export const LINE_BREAK = /[\n\r\u2028\u2029]/;
export const OPS = [
  '>>>=', '===', '!==', '>>>', '<<=', '>>=', '**=', '...',
  '=>', '==', '!=', '<=', '>=', '&&', '||', '??', '+=', '-=', '*=', '%=', '&=', '|=', '^=', '++', '--', '<<', '>>', '**', '?.',
  '(', ')', '[', ']', '{', '}', ',', ';', '.', '?', ':', '<', '>', '+', '-', '*', '/', '%', '!', '=', '&', '|', '^', '~',
];

export const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '%=', '&=', '|=', '^=', '<<=', '>>=', '>>>=', '**=']);
export const ASSIGNS_AT = (t: Tok | undefined): boolean => t?.t === 'op' && ASSIGN_OPS.has(t.v);
export const STATEMENT_END_AT = (t: Tok | undefined): boolean => t?.t === 'op' && (t.v === ';' || t.v === '}');
export const ARGUMENT_END_AT = (t: Tok | undefined): boolean => t?.t === 'op' && (t.v === ',' || t.v === ')');

export function tokenize(src: string): Tok[] {
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
    } else if (c === "'" || c === '"') {
      // A string without escapes or line breaks (a location name a computed next returns, a
      // WARN_ON's tag); one with escapes is opaque (a thrown error's message, skipped over).
      const e = stringEnd(src, i);
      const v = src.slice(i + 1, e - 1);
      push(/[\\\n\r\u2028\u2029]/.test(v) ? { t: 'tpl', v: '' } : { t: 'str', v });
      i = e;
    } else if (c === '`') {
      // A template literal (a thrown error's message): opaque, skipped over by a `throw`.
      const e = templateEnd(src, i);
      if (LINE_BREAK.test(src.slice(i, e))) nl = true;
      push({ t: 'tpl', v: '', ...templateParts(src, i, e) });
      i = e;
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

/** The index after the string literal opening at `i` (its quote `src[i]`), escapes included. */
export function stringEnd(src: string, i: number): number {
  const q = src[i]!;
  for (let k = i + 1; k < src.length; k++) {
    if (src[k] === '\\') k++;
    else if (src[k] === q) return k + 1;
    else if (LINE_BREAK.test(src[k]!) && src[k] !== '\u2028' && src[k] !== '\u2029') no('string form');
  }
  return no('string form');
}

/** The index after the template literal opening at `i`, its `${...}` parts (strings, templates, braces) included. */
export function templateEnd(src: string, i: number): number {
  for (let k = i + 1; k < src.length; k++) {
    const c = src[k]!;
    if (c === '\\') k++;
    else if (c === '`') return k + 1;
    else if (c === '$' && src[k + 1] === '{') k = substitutionEnd(src, k);
  }
  return no('template form');
}

/**
 * From the `$` of a template's `${` at `k`: the index of the brace that closes the substitution,
 * over nested braces, strings and templates (src.length when none does); a comment there is refused.
 */
export function substitutionEnd(src: string, k: number): number {
  let depth = 0;
  for (k += 1; k < src.length; k++) {
    const d = src[k]!;
    if (d === '{') depth++;
    else if (d === '}') {
      if (--depth === 0) return k;
    } else if (d === "'" || d === '"') k = stringEnd(src, k) - 1;
    else if (d === '`') k = templateEnd(src, k) - 1;
    else if (d === '/' && (src[k + 1] === '/' || src[k + 1] === '*')) no('a comment in a template');
  }
  return k;
}

/**
 * The template literal `src.slice(i, e)` as its literal parts and its substitutions' sources
 * (`a${x}b${y}c`: quasis a, b, c; subs x, y), or nothing when a literal part has an escape or a
 * line break (its value is then not its text: `\n`, a CRLF read as LF), or a substitution is
 * empty. The substitutions are found as templateEnd finds them.
 */
export function templateParts(src: string, i: number, e: number): { quasis: string[]; subs: string[] } | Record<string, never> {
  const quasis: string[] = [];
  const subs: string[] = [];
  let from = i + 1;
  for (let k = i + 1; k < e - 1; k++) {
    const c = src[k]!;
    if (c === '\\' || LINE_BREAK.test(c)) return {};
    if (c === '$' && src[k + 1] === '{') {
      quasis.push(src.slice(from, k));
      // (templateEnd has read this template already: its substitutions close before `e`.)
      const open = k + 1;
      k = substitutionEnd(src, k);
      const sub = src.slice(open + 1, k);
      if (sub.trim() === '') return {};
      subs.push(sub);
      from = k + 1;
    }
  }
  quasis.push(src.slice(from, e - 1));
  return { quasis, subs };
}

/**
 * The tokens of a function's source, cached by the source: the same helper (canRunOn, a lock's
 * accessor) is inlined into many guards, and every check compiles its model again. Tokens are
 * never changed once made.
 */
export const tokenCache = new Map<string, Tok[]>();
export function tokensOf(src: string): Tok[] {
  let toks = tokenCache.get(src);
  if (toks === undefined) {
    if (tokenCache.size >= 20_000) tokenCache.clear();
    toks = tokenize(src);
    tokenCache.set(src, toks);
  }
  return toks;
}

/** Whether the token before an operand lets a comparison start there (nothing before it binds tighter than `===`). */
export function opensComparison(before: Tok | undefined): boolean {
  return before === undefined || (before.t === 'op' && ['(', '&&', '||', '?', ':', '=>', ',', '{', ';', '='].includes(before.v)) || (before.t === 'id' && before.v === 'return');
}

/** Whether the token after a comparison's right operand ends it (nothing after binds tighter than `===`). */
export function endsComparison(after: Tok | undefined): boolean {
  return after === undefined || (after.t === 'op' && [')', '&&', '||', '?', ':', ',', ';', '}', '===', '!==', '==', '!=', '|', '^', '&'].includes(after.v));
}
