// How a value the user's code produced is shown in an error message: JSON where it can be,
// `undefined` and anything JSON cannot show as String() gives it.

export function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
