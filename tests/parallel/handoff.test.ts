// The pool hands the orchestrator's generated step code to its workers (pool.ts taskModel,
// straight.ts generatedFor/seedGenerated; tests/model/straight-handoff.test.ts for the keys):
// each worker of a parallel check generates no step body of its own for the model the
// orchestrator planned, takes them all from the task, and the result is the sequential one.
// Run in a child process on the dist/ tree `npm test` builds first (skipped, saying why, when
// it has not been built): there the workers load the same JavaScript as the orchestrator. Under
// vitest they would not (vitest rewrites the sources' imports, the workers' tsx does not), so
// the keys differ and a worker rightly generates its own code.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = existsSync(join(root, 'dist', 'src', 'parallel', 'worker.js')) && existsSync(join(root, 'dist', 'bench', 'spin', 'lock-hotplug.js'));

/** A two-worker check of bench/spin's system, and the same sequential check, in a fresh node process: the workers' reports and both results. */
const script = `
const url = (p) => ${JSON.stringify(pathToFileURL(join(root, 'dist')).href)} + '/' + p;
const { ParallelChecker } = await import(url('src/parallel/index.js'));
const { check } = await import(url('src/engine/check.js'));
const { lockHotplug, lockHotplugProperties } = await import(url('bench/spin/lock-hotplug.js'));
const module = ${JSON.stringify(join(root, 'dist', 'bench', 'spin', 'lock-hotplug.js'))};
const target = { model: lockHotplug, properties: lockHotplugProperties, source: { kind: 'file', module, exportName: 'lockHotplug', propertiesName: 'lockHotplugProperties' } };
const options = { params: { cpus: 2, creators: 3 }, property: ['inconsistent', 'deadlock'] };
const pool = new ParallelChecker(2, { soloBelow: 0 });
let reports = [];
const r = await pool.check(target, { ...options, onWorkerReports: (rs) => (reports = rs) });
await pool.close();
const s = check(lockHotplug, lockHotplugProperties, options);
console.log(JSON.stringify({ reports: reports.map((w) => w.straight), parallel: [r.status, r.stats.states, r.stats.transitions], sequential: [s.status, s.stats.states, s.stats.transitions] }));
`;

function run() {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 90_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { reports: ({ generated: number; seeded: number } | undefined)[]; parallel: unknown[]; sequential: unknown[] };
}

describe.skipIf(!built)('generated step code handed to the workers (dist/)', () => {
  it('each worker takes every step body from the orchestrator and generates none; the result is the sequential one', () => {
    const out = run();
    expect(out.parallel).toEqual(out.sequential);
    expect(out.reports).toHaveLength(2);
    for (const [i, w] of out.reports.entries()) {
      expect(w, `worker ${i}`).toBeDefined();
      expect(w!.generated, `worker ${i} generated step bodies itself`).toBe(0);
      expect(w!.seeded, `worker ${i}`).toBeGreaterThan(10);
    }
  });
});

it.runIf(!built)('generated step code handed to the workers: skipped, dist/ is not built (npm test builds it first)', () => {
  expect(built).toBe(false);
});
