// Number formatting shared by every report: thousands separators, durations, bytes.

export function thousands(n: number): string {
  const r = Math.round(n);
  // Commas by hand: the first toLocaleString of a process loads ICU's number formatting, 10-30 ms
  // of every kmc run's start-up (bench/startup.ts). Past 2^53 and for NaN/Infinity, as before.
  if (!Number.isSafeInteger(r)) return r.toLocaleString('en-US');
  return String(r).replace(/\B(?=(\d{3})+$)/g, ',');
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function probability(p: number): string {
  if (p === 0) return '0';
  return p.toExponential(1);
}

/** Pad/truncate a cell for fixed-width tables; never silently truncates: wide cells widen the column. */
export function padRight(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}
