// Constant folding in the step compiler (src/model/straight.ts): what a generated expression is
// when it is a literal, and an operator applied to literals computed when compiling, as
// JavaScript computes it.

/** The integer a generated expression is, when it is a literal (as the generator writes them: `3`, `(3)`, `(-1)`). */
export function constant(code: string): number | undefined {
  const m = /^\(?(-?[0-9]+)\)?$/.exec(code);
  return m ? Number(m[1]) : undefined;
}

/** The boolean a generated expression is, when it is a literal `true` / `false` (parenthesised or not). */
export function literalBoolean(code: string): boolean | undefined {
  const m = /^(\(*)(true|false)(\)*)$/.exec(code);
  return m && m[1]!.length === m[3]!.length ? m[2] === 'true' : undefined;
}

/** Whether a generated expression is truthy, when it is a literal (an integer or a boolean): known when compiling. */
export function known(code: string): boolean | undefined {
  const n = constant(code);
  return n !== undefined ? n !== 0 : literalBoolean(code);
}

/**
 * `a op b` computed when compiling, when both are literals (JavaScript's result: an int32-safe
 * integer other than -0, or a boolean), or `&&` / `||` whose left side is a boolean literal (the
 * value `&&` / `||` give: the right side's code, or the left literal); else undefined.
 */
export function fold(a: string, op: string, b: string): string | undefined {
  const x = constant(a);
  const y = constant(b);
  if (x !== undefined && y !== undefined) {
    const v =
      op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y
      : op === '===' ? x === y : op === '!==' ? x !== y : op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : op === '>=' ? x >= y
      : undefined;
    if (typeof v === 'boolean') return String(v);
    if (typeof v === 'number' && Number.isSafeInteger(v) && !Object.is(v, -0)) return `(${v})`;
    return undefined;
  }
  const p = literalBoolean(a);
  if (p === undefined) return undefined;
  if (op === '&&') return p ? b : 'false';
  if (op === '||') return p ? 'true' : b;
  const q = literalBoolean(b);
  if (q !== undefined && (op === '===' || op === '!==')) return String((p === q) === (op === '==='));
  return undefined;
}
