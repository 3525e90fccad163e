// Checkpoint files: written whole or not at all, the newest two kept, and a torn or corrupt
// newest one detected by its checksum, so that the older one is used.

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { checkpointName, expectKind, latestCheckpoint, readCheckpointFile, writeCheckpointFile } from '../../../src/engine/checkpoint/file.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'kmc-ckfile-')));

function write(seq: number): string {
  const fp = new Uint32Array([seq, 2, 3, 4, 5, 6]);
  const choice = new Uint16Array([seq, 1, 2]); // an odd byte length: padded
  return writeCheckpointFile(dir, seq, 'sequential', { note: `number ${seq}` }, [
    { name: 'fp', type: 'u32', parts: [fp.subarray(0, 2), fp.subarray(2)] },
    { name: 'choice', type: 'u16', parts: [choice] },
    { name: 'frontier', type: 'i32', parts: [] },
  ]);
}

/** A file as a writer of another format or kind would write it (checksum and all): only its header differs. */
function writeRaw(seq: number, header: Record<string, unknown>): string {
  const json = Buffer.from(JSON.stringify({ seq, sections: [], ...header }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const body = Buffer.concat([Buffer.from('KMCCKPT1', 'latin1'), len, json, Buffer.alloc((8 - ((4 + json.length) % 8)) % 8)]);
  const path = join(dir, checkpointName(seq));
  writeFileSync(path, Buffer.concat([body, createHash('sha256').update(body).digest()]));
  return path;
}

describe('checkpoint files', () => {
  it('says its format and kind; another format or kind is refused by name', () => {
    fresh();
    expect(readCheckpointFile(write(0)).header).toMatchObject({ format: 2, kind: 'sequential' });
    expect(() => readCheckpointFile(writeRaw(1, { format: 1 }))).toThrow('checkpoint format 1 (written by an older kmc), this kmc reads format 2: start the run again');
    expect(() => readCheckpointFile(writeRaw(2, { format: 2, kind: 'swarm' }))).toThrow('checkpoint of an unknown kind of search ("swarm")');
    // The raw writer is sound: with this kmc's format and a kind it reads.
    const level = readCheckpointFile(writeRaw(3, { format: 2, kind: 'level' }));
    expect(() => expectKind(level, 'level')).not.toThrow();
    expect(() => expectKind(level, 'sequential')).toThrow(/is a checkpoint of the parallel level-synchronous search, not of the sequential search \(one worker\)$/);
  });

  it('round-trips the header and the sections (parts joined, padding skipped)', () => {
    fresh();
    const f = readCheckpointFile(write(7));
    expect(f.header.seq).toBe(7);
    expect(f.header.note).toBe('number 7');
    expect([...f.section('fp')]).toEqual([7, 2, 3, 4, 5, 6]);
    expect([...f.section('choice')]).toEqual([7, 1, 2]);
    expect([...f.section('frontier')]).toEqual([]);
    expect(() => f.section('parent')).toThrow(/no section 'parent'/);
  });

  it('keeps the newest two: a new checkpoint is complete before the old one goes', () => {
    fresh();
    for (let s = 0; s < 4; s++) write(s);
    expect(readdirSync(dir).sort()).toEqual([checkpointName(2), checkpointName(3)]);
    expect(latestCheckpoint(dir).file?.header.seq).toBe(3);
  });

  it('a flipped byte in the newest fails its checksum: the older one is used, saying why', () => {
    fresh();
    write(0);
    const newest = write(1);
    const bytes = readFileSync(newest);
    bytes[bytes.length - 40]! ^= 0x10;
    writeFileSync(newest, bytes);
    const l = latestCheckpoint(dir);
    expect(l.file?.header.seq).toBe(0);
    expect(l.skipped).toEqual([{ path: newest, why: 'checksum mismatch (torn or corrupt)' }]);
  });

  it('a torn newest (cut short) is skipped too; a temporary file is never read', () => {
    fresh();
    write(0);
    const newest = write(1);
    truncateSync(newest, 50);
    writeFileSync(join(dir, `${checkpointName(2)}.tmp`), 'half a checkpoint');
    const l = latestCheckpoint(dir);
    expect(l.file?.header.seq).toBe(0);
    expect(l.skipped.map((s) => s.path)).toEqual([newest]);
  });

  it('with no sound checkpoint there is none, and every reason is given', () => {
    fresh();
    const a = write(0);
    const b = write(1);
    writeFileSync(a, 'garbage');
    truncateSync(b, 100);
    const l = latestCheckpoint(dir);
    expect(l.file).toBeUndefined();
    expect(l.skipped.map((s) => s.why)).toEqual(['checksum mismatch (torn or corrupt)', 'not a kmc checkpoint (bad magic or too short)']);
    expect(existsSync(a)).toBe(true);
  });
});
