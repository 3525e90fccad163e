// Reading a file the user gave (a trace file, an expectations file) as data, with one clear line
// for everything that is not a readable regular file of sane size: a missing file, a directory,
// a FIFO or device (which would block or never end), a file too large to hold in memory. A UTF-8
// byte-order mark is accepted and dropped. JSON nested deeper than any kmc file is refused
// before parsing (deep nesting would overflow the stack of whoever walks it).

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { UsageError } from './errors.js';
import { fsReason } from './output-file.js';

/** The largest input file kmc reads: 512 MiB. */
export const MAX_INPUT_BYTES = 512 * 2 ** 20;
/** The deepest JSON nesting kmc reads (its own files nest a handful of levels). */
export const MAX_JSON_DEPTH = 256;

export interface InputOptions {
  maxBytes?: number;
}

/** The text of `file` (UTF-8, without a byte-order mark); `what` names it in errors ('trace file'). */
export function readInputFile(file: string, what: string, o: InputOptions = {}): string {
  const max = o.maxBytes ?? MAX_INPUT_BYTES;
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; we refuse it right after.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${file}: ${fsReason(e)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UsageError(`${what} ${file} is a directory`);
    if (!st.isFile()) throw new UsageError(`${what} ${file} is not a regular file (a FIFO, socket or device); kmc reads ${what}s from regular files only`);
    if (st.size > max)
      throw new UsageError(`${what} ${file} is ${Math.ceil(st.size / 2 ** 20).toLocaleString('en-US')} MiB, more than the ${Math.floor(max / 2 ** 20)} MiB kmc reads`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    const text = buf.subarray(0, off).toString('utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${what} ${file}: ${fsReason(e)}`);
  } finally {
    closeSync(fd);
  }
}

/** How deeply `text` nests JSON arrays and objects (strings skipped); stops counting past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** JSON.parse, refusing nesting deeper than MAX_JSON_DEPTH; errors are one line naming `where`. */
export function parseJsonData(text: string, where: string): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new UsageError(`${where}: JSON nested more than ${MAX_JSON_DEPTH} levels deep; no kmc file nests like that`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${where}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
}
