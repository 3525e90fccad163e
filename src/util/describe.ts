// How a value the user's code produced is shown in an error message: JSON where it can be,
// `undefined` and anything JSON cannot show as String() gives it.
//
// Bounded: the value is whatever a failed step left behind, and a recipe's store to a huge
// index (`d.arr[2147483647] = 1`) leaves a sparse array 2^31 long, which JSON.stringify (and
// String, its join) walks hole by hole: the error message took minutes and gigabytes before the
// error was reported (found as a hang of a random test). Long arrays and objects are shown by
// their first entries and their size, and the text is cut at a length.

/** Entries shown of an array or object; the text's length. */
const ITEMS = 16;
const CHARS = 400;

export function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return cut(JSON.stringify(v));
  try {
    return cut(JSON.stringify(v, shorten) ?? String(v));
  } catch {
    // A cycle, a BigInt, a throwing getter or toJSON: the value's own text, still bounded.
    try {
      return cut(Array.isArray(v) ? `an array of length ${v.length}` : String(v));
    } catch {
      return 'a value that cannot be shown';
    }
  }
}

/** JSON.stringify's replacer: an array or object with more than ITEMS entries is shown by its first ones and its size. */
function shorten(this: unknown, _key: string, value: unknown): unknown {
  if (Array.isArray(value)) return value.length <= ITEMS ? value : [...value.slice(0, ITEMS), `... (${value.length} items)`];
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length <= ITEMS) return value;
    const out: Record<string, unknown> = {};
    for (const k of keys.slice(0, ITEMS)) out[k] = (value as Record<string, unknown>)[k];
    out['...'] = `(${keys.length} keys)`;
    return out;
  }
  return value;
}

const cut = (s: string): string => (s.length <= CHARS ? s : `${s.slice(0, CHARS)}... (${s.length} characters)`);
