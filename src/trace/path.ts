// The trace currency: the choice index at each step, joined by '/' (as Stateright's paths), e.g.
// `0/2/1/1`. Lives in the trace layer so that trace files can read and write it; the engine
// re-exports it.

import { UsageError } from '../util/errors.js';

export function formatPath(path: readonly number[]): string {
  return path.join('/');
}

export function parsePath(text: string): number[] {
  const t = text.trim();
  if (t === '') return [];
  if (!/^\d+(\/\d+)*$/.test(t)) throw new UsageError(`a replay path is choice indices separated by '/', like 0/2/1/1; got '${text}'`);
  return t.split('/').map(Number);
}
