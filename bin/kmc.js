#!/usr/bin/env node
// The CLI runs from the compiled tree (dist/), built by `npm ci` (the `prepare` script) or `npm run build`,
// so that starting kmc never type-checks or transpiles anything. In a checkout, a dist/ older than
// its sources would check a model as it was at the last build: kmc rebuilds it first, or refuses.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'dist', 'src', 'cli', 'main.js');

/** The first source (.ts under the compiled folders) whose output is missing or older, or null. */
function staleSource() {
  for (const dir of ['src', 'models', 'properties']) {
    const walk = (d) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) {
          const found = walk(p);
          if (found) return found;
        } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
          const out = join(root, 'dist', relative(root, p)).replace(/\.ts$/, '.js');
          if (!existsSync(out) || statSync(out).mtimeMs < statSync(p).mtimeMs) return p;
        }
      }
      return null;
    };
    if (existsSync(join(root, dir))) {
      const found = walk(join(root, dir));
      if (found) return found;
    }
  }
  return null;
}

// A checkout (has tsconfig.json, not installed under node_modules): keep dist/ in step with the sources.
const checkout = existsSync(join(root, 'tsconfig.json')) && !root.split(/[\\/]/).includes('node_modules');
const stale = checkout ? staleSource() : existsSync(main) ? null : main;
if (stale) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!checkout || !existsSync(tsc)) {
    process.stderr.write(`kmc: dist/ is missing or older than ${relative(root, stale)}; run \`npm run build\` in ${root}\n`);
    process.exit(2);
  }
  process.stderr.write(`kmc: dist/ is older than ${relative(root, stale)}: rebuilding (npm run build)\n`);
  // Loaded only to rebuild: node:child_process is no part of an ordinary start (bench/startup.ts).
  const { spawnSync } = await import('node:child_process');
  // tsc, then the bundler (scripts/bundle.mjs): `npm run build` without npm's own start-up.
  let r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status === 0) r = spawnSync(process.execPath, [join(root, 'scripts', 'bundle.mjs')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write('kmc: the build failed (above); fix it, or run `npm run build` to see it again\n');
    process.exit(2);
  }
}
const argv = process.argv;
// A reader that goes away (kmc check … | head) is not an error of kmc's: the exit code stays the verdict's.
for (const stream of [process.stdout, process.stderr]) stream.on('error', (e) => void (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED' || process.exit(2)));
if (argv.includes('--step')) {
  // replay --step reads keys from the terminal, which only the main thread has.
  const { run } = await import(main);
  process.exitCode = await run(argv);
} else {
  // The command runs in a worker thread that this thread supervises (signals, --max-time, memory):
  // a model's step that never returns cannot hang kmc.
  const { supervise } = await import(fileURLToPath(new URL('../dist/src/cli/supervise.js', import.meta.url)));
  const code = await supervise(argv);
  // process.exit() drops what a pipe has not taken yet: `kmc check --json | jq` got the first
  // 64 KiB (the pipe's buffer) of a larger report. An empty write's callback runs once everything
  // written before it is flushed (or the reader is gone: EPIPE, handled above).
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise((done) => s.write('', () => done(undefined)))));
  process.exit(code);
}
