// Parsing of option values, each failure one clear line (exit 2).

import { UsageError } from '../util/errors.js';
import type { Limits } from '../engine/limits.js';

export function parseCount(name: string) {
  return (v: string): number => {
    const m = /^(\d+)([kKmM]?)$/.exec(v.replace(/[_,]/g, ''));
    if (!m) throw new UsageError(`${name} expects a positive whole number (e.g. 100000, 100k, 2M), not '${v}'`);
    const n = Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2]!) ? 1e3 : 1e6);
    if (n <= 0) throw new UsageError(`${name} must be positive, not '${v}'`);
    return n;
  };
}

/** Seconds: 90, 90s, 5m, 1h. Returns milliseconds. */
export function parseDuration(name: string) {
  return (v: string): number => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
    if (!m) throw new UsageError(`${name} expects a duration like 90, 90s, 5m or 1h, not '${v}'`);
    const n = Number(m[1]);
    const unit = m[2] ?? 's';
    const ms = unit === 'ms' ? n : unit === 's' ? n * 1e3 : unit === 'm' ? n * 6e4 : n * 3.6e6;
    if (ms <= 0) throw new UsageError(`${name} must be positive, not '${v}'`);
    return ms;
  };
}

/** The smallest --max-memory: 64 MiB. */
export const MIN_MEMORY = 64 * 2 ** 20;

/** Bytes: 512M, 4G, 1000000 (at least MIN_MEMORY). */
export function parseBytes(name: string) {
  return (v: string): number => {
    const m = /^(\d+(?:\.\d+)?)([kKmMgG]i?[bB]?)?$/.exec(v.trim());
    if (!m) throw new UsageError(`${name} expects a size like 512M or 4G, not '${v}'`);
    const unit = (m[2] ?? '').toLowerCase()[0];
    const mult = unit === 'k' ? 2 ** 10 : unit === 'm' ? 2 ** 20 : unit === 'g' ? 2 ** 30 : 1;
    const n = Math.floor(Number(m[1]) * mult);
    // Node alone takes tens of MiB; a smaller cap (--max-memory 1 is one byte) stops every run at once.
    if (n < MIN_MEMORY) throw new UsageError(`${name} ${v} is ${n.toLocaleString('en-US')} bytes; give at least 64M (a number without a unit is bytes)`);
    return n;
  };
}

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/**
 * The bound flags as commander hands them over (--max-states, --max-time, --max-depth,
 * --max-memory, --first), typed from the engine's Limits, and their one translation into it.
 */
export interface LimitFlags {
  maxStates?: Limits['maxStates'];
  /** --max-time, already in milliseconds (parseDuration). */
  maxTime?: Limits['maxTimeMs'];
  maxDepth?: Limits['maxDepth'];
  maxMemory?: Limits['maxMemory'];
  first?: Limits['first'];
}

export function limitsFromFlags(f: LimitFlags): Limits {
  return { maxStates: f.maxStates, maxTimeMs: f.maxTime, maxDepth: f.maxDepth, maxMemory: f.maxMemory, first: f.first };
}
