// The one line kmc prints for an error that is not a verdict (exit 2): what failed and where,
// printable (no control characters from a file) and cut to a sane length.

import { ModelError, UsageError } from '../util/errors.js';
import { fsReason } from '../util/output-file.js';
import { printableLine, truncateLine } from '../util/printable.js';

/** The one line (exit 2) for an error that is not a verdict; with --debug, the stack follows. */
export function errorLine(e: unknown): string {
  if (e instanceof UsageError || e instanceof ModelError) return `kmc: ${printableLine(truncateLine(e.message))}`;
  if (e instanceof RangeError && /call stack/i.test(e.message))
    return 'kmc: internal error: the call stack overflowed (input nested too deeply?); run with --debug for the stack';
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const path = (e as NodeJS.ErrnoException | undefined)?.path;
  if (code && path) return `kmc: ${printableLine(truncateLine(`${path}: ${fsReason(e)}`))}`;
  const message = e instanceof Error ? e.message : String(e);
  return `kmc: internal error: ${printableLine(truncateLine(message.split('\n')[0] ?? ''))} (run with --debug for the stack)`;
}

