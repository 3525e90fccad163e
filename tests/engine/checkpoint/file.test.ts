// Checkpoint files: written whole or not at all, the newest two kept, and a torn or corrupt
// newest one detected by its checksum, so that the older one is used.

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpointName, latestCheckpoint, readCheckpointFile, writeCheckpointFile } from '../../../src/engine/checkpoint/file.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'kmc-ckfile-')));

function write(seq: number): string {
  const fp = new Uint32Array([seq, 2, 3, 4, 5, 6]);
  const choice = new Uint16Array([seq, 1, 2]); // an odd byte length: padded
  return writeCheckpointFile(dir, seq, { note: `number ${seq}` }, [
    { name: 'fp', type: 'u32', parts: [fp.subarray(0, 2), fp.subarray(2)] },
    { name: 'choice', type: 'u16', parts: [choice] },
    { name: 'frontier', type: 'i32', parts: [] },
  ]);
}

describe('checkpoint files', () => {
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
