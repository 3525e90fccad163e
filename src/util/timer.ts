// Timers for long limits: setTimeout takes at most 2^31-1 ms (24.8 days); a longer delay (a
// --max-time of 600h) would overflow and fire at once. Longer delays are chained.

export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Call `fn` after `ms` milliseconds, however long; returns a function that cancels it. */
export function longTimeout(fn: () => void, ms: number, unref = false): () => void {
  let timer: NodeJS.Timeout | undefined;
  const due = Date.now() + ms;
  const arm = (left: number) => {
    timer = setTimeout(() => {
      const rest = due - Date.now();
      if (rest > 0) arm(rest);
      else fn();
    }, Math.min(Math.max(0, left), MAX_TIMEOUT_MS));
    if (unref) timer.unref();
  };
  arm(ms);
  return () => clearTimeout(timer);
}
