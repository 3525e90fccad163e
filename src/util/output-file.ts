// Writing an output file (trace, HTML page, CI report, expectations file) so that nothing is
// lost: the text goes to a temporary file in the same directory, is fsynced, and is renamed over
// the target, so a full disk or a crash leaves the old file whole and never a cut one. A file is
// never written through a symbolic link the user did not name, and a file of another kind (not
// one kmc writes there) is not replaced without --force. Every failure is one line (exit 2).

import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readSync, readlinkSync, realpathSync, renameSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UsageError } from './errors.js';

export interface OutputFile {
  /** What the file is, for messages: '--html file', 'trace file', 'expectations file'. */
  what: string;
  /**
   * The user named this exact path (--html PATH): a symbolic link there is followed, and a
   * device or FIFO (/dev/stdout) is written directly. Otherwise (a name kmc made up inside a
   * directory, e.g. a trace file) a link is refused.
   */
  named: boolean;
  /** Replace a file that is not of this kind, or a link kmc did not create. */
  force?: boolean | undefined;
  /** Is the existing file's beginning (up to 64 KiB) something kmc may replace? Absent: any regular file. */
  sameKind?: ((head: string) => boolean) | undefined;
  /** How to say what kind of file is expected, e.g. 'a kmc trace file'. */
  kind?: string | undefined;
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'a file is in the way',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EFBIG: 'the file is too large',
  EIO: 'input/output error',
};

/** The reason of a Node file-system error, in words (one line). */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return (code && Object.hasOwn(REASONS, code) ? REASONS[code] : undefined) ?? (e instanceof Error ? e.message.split('\n')[0]! : String(e));
}

export class OutputError extends UsageError {
  override name = 'OutputError';
}

function fail(o: OutputFile, file: string, why: string): never {
  throw new OutputError(`cannot write ${o.what} ${file}: ${why}`);
}

function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isSymbolicLink()) return 'a symbolic link';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function head(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Write `text` to `file` as described above. */
export function writeOutputFile(file: string, text: string, o: OutputFile): void {
  if (file === '') throw new OutputError(`${o.what}: the file name is empty`);
  let target = file;
  try {
    let st = lstatOrUndefined(file);
    if (st?.isSymbolicLink()) {
      if (o.named) {
        // The user named the link: write where it points (replacing that file atomically).
        target = realpathOrDangling(file);
        st = lstatOrUndefined(target);
      } else if (!o.force) fail(o, file, 'it is a symbolic link, which kmc did not create; remove it, or use --force to replace the link itself (never what it points to)');
      else st = undefined; // --force: the rename below replaces the link, not its target
    }
    if (st && !st.isFile() && !st.isSymbolicLink()) {
      if (st.isDirectory()) fail(o, file, 'it is a directory');
      if (!o.named) fail(o, file, `it is ${kindOf(st)}`);
      // A device or FIFO the user named (/dev/stdout, a pipe): write straight to it.
      writeDirect(target, text);
      return;
    }
    if (st?.isFile() && o.sameKind && !o.force && st.size > 0 && !o.sameKind(head(target)))
      fail(o, file, `the file there is not ${o.kind ?? 'one kmc writes'}; use --force to replace it, or choose another name`);
    writeAtomic(target, text);
  } catch (e) {
    if (e instanceof OutputError) throw e;
    fail(o, file, fsReason(e));
  }
}

function realpathOrDangling(link: string): string {
  try {
    return realpathSync(link);
  } catch {
    // A dangling link: the file it names, relative to the link's directory.
    return resolve(dirname(link), readlinkSync(link));
  }
}

function writeDirect(file: string, text: string): void {
  const fd = openSync(file, 'w');
  try {
    writeAll(fd, text);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, data: string | Uint8Array): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

/**
 * `data` into `file` through a temporary file beside it (created exclusively, fsynced, renamed
 * over the target, removed when anything fails): a reader never sees half a file. Throws the
 * file system's error; writeOutputFile makes it one line.
 */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // 'wx': create exclusively, so a link or file planted at the temporary name is never followed.
  const fd = openSync(tmp, 'wx', 0o644);
  let open = true;
  let renamed = false;
  try {
    writeAll(fd, data);
    fsyncSync(fd);
    open = false;
    closeSync(fd);
    renameSync(tmp, file);
    renamed = true;
  } finally {
    if (open) closeSync(fd);
    if (!renamed)
      try {
        unlinkSync(tmp);
      } catch {
        // nothing left behind to remove
      }
  }
  syncDir(dir);
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems cannot fsync a directory; the rename itself has happened.
  }
}

/** mkdir -p for an output directory, one line on failure; refuses a path that is not a directory. */
export function makeOutputDir(dir: string, what: string): void {
  if (dir === '') throw new OutputError(`${what}: the directory name is empty`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new OutputError(`cannot create ${what} ${dir}: ${(e as NodeJS.ErrnoException).code === 'EEXIST' ? 'a file that is not a directory is in the way' : fsReason(e)}`);
  }
}
