// What the checkpoint tests on the real executable share: temporary checkpoint directories
// removed after the file's tests, kmc run to its end, and a JSON result stripped of what differs
// between an interrupted-and-resumed run and an uninterrupted one.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A maker of temporary directories (named `prefix…`), all removed after the calling file's tests. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}

/** kmc run to its end (2 minutes at most). */
export function kmc(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/kmc.js', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The JSON result without what differs from run to run (time, memory, workers, the liveness notes of a checkpointed run). */
export function comparable(json: string): unknown {
  const r = JSON.parse(json) as Record<string, unknown>;
  const strip = (o: unknown, keys: string[]) => {
    if (o && typeof o === 'object') for (const k of keys) delete (o as Record<string, unknown>)[k];
  };
  strip(r.stats, ['timeMs', 'statesPerSecond', 'peakMemory', 'bytesPerState', 'workers']);
  strip(r.liveness, ['analysisMs', 'searchMs', 'notes']);
  return r;
}
