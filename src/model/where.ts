// Where a step was written: the file and line of the model code that called a step builder
// (step, choice, spinLock, ...), taken from the stack when the builder runs, so that reports
// (SARIF code-scanning results) can point at the model's own line for each step of a trace.
// Frames inside kmc itself are skipped; TypeScript models run under tsx, whose source maps
// make the line the .ts file's own.

import { fileURLToPath } from 'node:url';

export interface SourceLocation {
  /** Absolute path of the file. */
  file: string;
  /** 1-based line. */
  line: number;
}

/**
 * kmc's own source tree (src/, or dist/src/ and the src/ its source maps point back to): frames
 * in it are the builders, not the model.
 */
const HERE = fileURLToPath(new URL('../', import.meta.url));
const OWN = [HERE, ...(/[\\/]dist[\\/]src[\\/]$/.test(HERE) ? [HERE.replace(/dist[\\/]src[\\/]$/, `src${HERE.slice(-1)}`)] : [])];

const FRAME = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):(\d+):\d+\)?\s*$/;

/**
 * The first caller outside kmc's sources, or undefined when there is none (or no stack).
 *
 * Lazy: only the stack is captured here (cheap); it is formatted, which applies the source maps
 * and costs far more (about 0.3 ms a step under --enable-source-maps, a tenth of a second at a
 * bundled model's start), the first time `file` or `line` is read: by the SARIF and HTML
 * reports, for the steps of a trace.
 */
export function definedAt(): SourceLocation | undefined {
  const captured = new Error();
  let found: SourceLocation | null | undefined;
  const resolve = (): SourceLocation | null => (found ??= locate(captured) ?? null);
  // An object that reads like the plain one (spread, JSON, structured clone read the getters).
  return {
    get file(): string {
      return resolve()?.file ?? '';
    },
    get line(): number {
      return resolve()?.line ?? 0;
    },
  };
}

function locate(captured: Error): SourceLocation | undefined {
  // Node's own stack formatting applies the source maps (tsx's, kmc's); a test runner's
  // replacement (vitest's) may not know them, so it is set aside while this stack is formatted
  // (V8 formats a stack on its first read, with the hook in place then).
  const saved = Error.prepareStackTrace;
  (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
  let stack: string | undefined;
  try {
    stack = captured.stack;
  } finally {
    Error.prepareStackTrace = saved;
  }
  if (!stack) return undefined;
  for (const line of stack.split('\n').slice(1)) {
    const m = FRAME.exec(line);
    if (!m) continue;
    const file = m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
    if (OWN.some((own) => file.startsWith(own)) || file.includes('/node_modules/immer/') || file.startsWith('node:')) continue;
    return { file, line: Number(m[2]) };
  }
  return undefined;
}
