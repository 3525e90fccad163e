// kmc's own code in one file per thread kind: the command thread's (src/cli/main.ts and what it
// reaches) and the pool worker's (src/parallel/worker.ts), written by scripts/bundle.mjs after tsc
// into dist/bundle/. Node loads a tree of ES modules file by file (open, resolve, compile, link:
// about 0.5 ms a module, 60-70 ms for the ~90 a check reaches); one CommonJS file loads in a few ms.
//
// Only the layers to the right of the model API are in a bundle (cli, report, parallel, engine,
// trace, random, distributed). What a model can import (src/util, src/model, src/kernel,
// src/property, properties/, models/) and every package stay separate ES modules, required from
// the bundle (Node's require of an ES module: the same module instance an `import` gets), so a
// model's ModelError, its immer and its kernel primitives are the very ones the engine checks
// against. scripts/bundle.mjs lists the bundle's inputs in its manifest; a bundle older than any of
// them (a `tsc` run without the bundler) is not used.
//
// The bundle is a speed-up only: without it (no dist/bundle, KMC_NO_BUNDLE=1, source maps on so
// that stacks name .ts lines, a Node without require of ES modules) the same modules load one by
// one, and every result is the same (tests/cli/bundle.test.ts compares the two).

import { existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { writeAtomic } from './output-file.js';

/** What scripts/bundle.mjs writes beside the bundles. */
export interface BundleManifest {
  /** Per bundle name: its inputs, as paths relative to the bundle directory. */
  inputs: Record<string, string[]>;
}

/** The key under which a bundle finds its loader of external modules (set just before it loads). */
export const BUNDLE_LOADER = Symbol.for('kmc.bundle.load');

/**
 * Whether the bundle built at `builtMs` is no older than each of its inputs (`mtimeOf` gives a
 * file's modification time, or undefined when it is gone).
 */
export function bundleFresh(builtMs: number, inputs: readonly string[], mtimeOf: (file: string) => number | undefined): boolean {
  for (const f of inputs) {
    const m = mtimeOf(f);
    if (m === undefined || m > builtMs) return false;
  }
  return inputs.length > 0;
}

/** Why no bundle is used for this thread, or undefined when one may be. */
export function bundleRefusal(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.KMC_NO_BUNDLE === '1') return 'KMC_NO_BUNDLE=1';
  // Source maps map stacks to .ts lines (--reporter, --debug): they need the separate files' maps.
  if (process.sourceMapsEnabled) return 'source maps are on';
  if (process.features.require_module !== true) return 'this Node cannot require an ES module';
  return undefined;
}

const mtime = (file: string): number | undefined => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
};

/**
 * The exports of bundle `name` (dist/bundle/NAME.cjs), or undefined when there is none to use:
 * run from the TypeScript sources, not built, stale, or refused (bundleRefusal).
 */
export function loadBundle(name: string): Record<string, unknown> | undefined {
  const here = fileURLToPath(import.meta.url);
  // dist/src/util/bundle.js: the bundles are in dist/bundle. Under vitest or tsx (src/util/bundle.ts) there are none.
  if (!here.endsWith('.js') || bundleRefusal() !== undefined) return undefined;
  const dir = join(dirname(here), '..', '..', 'bundle');
  const file = join(dir, `${name}.cjs`);
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(file) || !existsSync(manifestFile)) return undefined;
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as BundleManifest;
  const inputs = Object.hasOwn(manifest.inputs, name) ? manifest.inputs[name]! : [];
  // An installed package ships dist/ as built (npm sets every file's time alike); a checkout's
  // dist/ is rebuilt file by file by tsc, which leaves the bundle behind until the bundler runs.
  const installed = here.split(/[\\/]/).includes('node_modules');
  const stat = statSync(file);
  if (!installed && !bundleFresh(stat.mtimeMs, inputs.map((f) => join(dir, f)), mtime)) return undefined;
  const require = createRequire(file);
  // The bundle's imports of separate modules (relative to dist/bundle, or a package's name): resolved
  // as an `import` from here resolves them (a package's ES module entry, not its CommonJS one: one
  // immer for the model and the engine), then required.
  const load = (spec: string): unknown =>
    spec.startsWith('node:') ? require(spec) : require(spec.startsWith('.') ? join(dir, spec) : fileURLToPath(import.meta.resolve(spec)));
  (globalThis as Record<symbol, unknown>)[BUNDLE_LOADER] = load;
  return run(file, stat, require);
}

/** Whether a code cache with stat `cache` may be read for the bundle with stat `bundle`. */
export function cacheTrusted(cache: { uid: number; mode: number }, bundle: { uid: number }): boolean {
  return cache.uid === bundle.uid && (cache.mode & 0o022) === 0;
}

/** Writers of the code caches this thread found missing or refused (saveBundleCaches runs them). */
const unsaved: (() => void)[] = [];

/**
 * Writes the code cache of each bundle this thread loaded without one. Called when the thread's
 * work is done (the command's end, a pool worker's first task), so that the cache holds every
 * function that work compiled, not only those the bundle's loading did: a check's command thread
 * then runs 7% fewer instructions to its first state (bench/README.md, "startup", session 12).
 */
export function saveBundleCaches(): void {
  for (const write of unsaved.splice(0)) write();
}

/**
 * Runs the CommonJS file as Node's require would, compiled with V8's code cache for it: half a
 * megabyte of JavaScript takes V8 about 10 ms to parse at every start, and no time from its cache.
 * The cache (NAME.cjs.<node version>.cache beside it) is written by the first run that finds none,
 * or one V8 refuses (another Node, other V8 flags), when its work is done (saveBundleCaches);
 * where it cannot be written, every run parses.
 */
function run(file: string, stat: Stats, require: NodeJS.Require): Record<string, unknown> {
  const cacheFile = `${file}.${process.version}-${process.arch}.cache`;
  let cachedData: Buffer | undefined;
  try {
    // V8 runs what a cache holds: one is read only when it is no easier to replace than the
    // bundle itself (the bundle's owner's, writable by no one else).
    cachedData = cacheTrusted(statSync(cacheFile), stat) ? readFileSync(cacheFile) : undefined;
  } catch {
    cachedData = undefined;
  }
  const source = readFileSync(file, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} as Record<string, unknown> };
  (script.runInThisContext() as (...a: unknown[]) => void)(module.exports, require, module, file, dirname(file));
  if (cachedData === undefined || script.cachedDataRejected === true)
    unsaved.push(() => {
      try {
        writeAtomic(cacheFile, script.createCachedData());
      } catch {
        // A read-only install: no cache, the bundle is parsed at each start.
      }
    });
  return module.exports;
}
