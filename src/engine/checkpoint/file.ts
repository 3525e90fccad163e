// One checkpoint file, written crash-safely, and the choice of the newest sound one in a
// directory.
//
// A file is: the magic line "KMCCKPT1", the header's length (u32, little-endian), the header
// (JSON, padded to 8 bytes), the binary sections it lists (each padded to 8 bytes), and the
// SHA-256 of everything before it. The header says the format (2) and the kind of search saved:
// 'sequential' (the engine's breadth-first search: session.ts) or 'level' (the parallel
// level-synchronous search: src/parallel/checkpoint.ts); a reader refuses another format or kind
// by name (format 1, before kinds existed, was the sequential search's alone). It is written to a temporary name, fsynced, renamed to
// checkpoint-NNNNNN.kmc and the directory fsynced; only then are older checkpoints removed, and
// the newest two are kept: a file that is torn or corrupt anyway (a disk that lied about fsync,
// a copy cut short) fails its checksum, and the older one is used.

import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const MAGIC = Buffer.from('KMCCKPT1', 'latin1');
const DIGEST = 32;
const KEEP = 2;
const NAME = /^checkpoint-(\d{6,})\.kmc$/;

export type SectionType = 'u32' | 'i32' | 'u16';
type Typed = Uint32Array | Int32Array | Uint16Array;

export interface SectionInfo {
  name: string;
  type: SectionType;
  /** Elements (not bytes). */
  length: number;
}

/** A section to write: its parts are written one after the other (views are fine: nothing is copied). */
export interface SectionData {
  name: string;
  type: SectionType;
  parts: readonly Typed[];
}

/** The format this kmc writes and reads. */
export const FORMAT = 2;

/** Which search a checkpoint holds. */
export type CheckpointKind = 'sequential' | 'level';

/** What each kind is, for messages. */
export const KIND_NAMES: Record<CheckpointKind, string> = {
  sequential: 'the sequential search (one worker)',
  level: 'the parallel level-synchronous search',
};

export interface FileHeader {
  format: typeof FORMAT;
  kind: CheckpointKind;
  seq: number;
  sections: SectionInfo[];
  [k: string]: unknown;
}

export function checkpointName(seq: number): string {
  return `checkpoint-${String(seq).padStart(6, '0')}.kmc`;
}

/** The checkpoints in `dir`, newest first. */
export function checkpointFiles(dir: string): { seq: number; path: string }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .flatMap((n) => {
      const m = NAME.exec(n);
      return m ? [{ seq: Number(m[1]), path: join(dir, n) }] : [];
    })
    .sort((a, b) => b.seq - a.seq);
}

const pad8 = (n: number) => (8 - (n % 8)) % 8;
const ZEROS = new Uint8Array(8);
const bytesOf = (a: Typed) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Write checkpoint `seq` into `dir` (created if missing) crash-safely; returns its path. */
export function writeCheckpointFile(dir: string, seq: number, kind: CheckpointKind, header: Record<string, unknown>, sections: readonly SectionData[]): string {
  mkdirSync(dir, { recursive: true });
  const full: FileHeader = {
    ...header,
    format: FORMAT,
    kind,
    seq,
    sections: sections.map((s) => ({ name: s.name, type: s.type, length: s.parts.reduce((n, p) => n + p.length, 0) })),
  };
  const json = Buffer.from(JSON.stringify(full), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const path = join(dir, checkpointName(seq));
  const tmp = `${path}.tmp`;
  const hash = createHash('sha256');
  const fd = openSync(tmp, 'w');
  try {
    const put = (b: Uint8Array) => {
      hash.update(b);
      for (let off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
    };
    put(MAGIC);
    put(len);
    put(json);
    put(ZEROS.subarray(0, pad8(4 + json.length)));
    for (const s of sections) {
      let n = 0;
      for (const p of s.parts) {
        put(bytesOf(p));
        n += p.byteLength;
      }
      put(ZEROS.subarray(0, pad8(n)));
    }
    const digest = hash.digest();
    for (let off = 0; off < DIGEST; ) off += writeSync(fd, digest, off, DIGEST - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDir(dir);
  // The new one is complete and durable: the older ones beyond the newest KEEP can go.
  for (const old of checkpointFiles(dir).slice(KEEP)) rmSync(old.path, { force: true });
  return path;
}

function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems cannot fsync a directory; the rename is then as durable as they make it.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface CheckpointFile {
  path: string;
  header: FileHeader;
  section(name: string): Typed;
}

/** Throws unless `f` holds the `kind` of search the caller continues, naming both. */
export function expectKind(f: CheckpointFile, kind: CheckpointKind): void {
  if (f.header.kind !== kind) throw new Error(`${f.path} is a checkpoint of ${KIND_NAMES[f.header.kind]}, not of ${KIND_NAMES[kind]}`);
}

/** Read and verify one checkpoint file; throws an Error saying what is wrong with it. */
export function readCheckpointFile(path: string): CheckpointFile {
  const buf = readFileSync(path);
  if (buf.length < MAGIC.length + 4 + DIGEST || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a kmc checkpoint (bad magic or too short)');
  const body = buf.subarray(0, buf.length - DIGEST);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(buf.subarray(buf.length - DIGEST))) throw new Error('checksum mismatch (torn or corrupt)');
  const jsonLen = buf.readUInt32LE(MAGIC.length);
  const header = JSON.parse(buf.subarray(MAGIC.length + 4, MAGIC.length + 4 + jsonLen).toString('utf8')) as FileHeader;
  if (header.format !== FORMAT)
    throw new Error(`checkpoint format ${String(header.format)}${header.format === 1 ? ' (written by an older kmc)' : ''}, this kmc reads format ${FORMAT}: start the run again`);
  if (header.kind !== 'sequential' && header.kind !== 'level') throw new Error(`checkpoint of an unknown kind of search (${JSON.stringify(header.kind)})`);
  let off = MAGIC.length + 4 + jsonLen;
  off += pad8(off);
  const sections = new Map<string, Typed>();
  for (const s of header.sections) {
    const size = s.type === 'u16' ? 2 : 4;
    const bytes = s.length * size;
    if (off + bytes > body.length) throw new Error(`section ${s.name} runs past the end of the file`);
    // Copied into arrays of their own (aligned, and the file's buffer can go).
    const raw = new Uint8Array(bytes);
    raw.set(body.subarray(off, off + bytes));
    sections.set(s.name, s.type === 'u32' ? new Uint32Array(raw.buffer) : s.type === 'i32' ? new Int32Array(raw.buffer) : new Uint16Array(raw.buffer));
    off += bytes + pad8(bytes);
  }
  return {
    path,
    header,
    section(name) {
      const s = sections.get(name);
      if (!s) throw new Error(`checkpoint ${path} has no section '${name}'`);
      return s;
    },
  };
}

export interface LatestCheckpoint {
  file: CheckpointFile;
  /** Newer checkpoints that were not sound, and why (the user is told). */
  skipped: { path: string; why: string }[];
}

/** The newest sound checkpoint in `dir`, or undefined with the reasons none is. */
export function latestCheckpoint(dir: string): LatestCheckpoint | { file: undefined; skipped: { path: string; why: string }[] } {
  const skipped: { path: string; why: string }[] = [];
  for (const c of checkpointFiles(dir)) {
    try {
      return { file: readCheckpointFile(c.path), skipped };
    } catch (e) {
      skipped.push({ path: c.path, why: (e as Error).message });
    }
  }
  return { file: undefined, skipped };
}
