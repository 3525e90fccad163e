// The compiled-model cache: a user's TypeScript model file (`kmc check ./my-race.ts`) and the
// files it imports by relative paths, transformed once by esbuild (present through tsx) into one
// ES module, kept on disk under the SHA-256 of those sources (src/util/source-digest.ts), and from
// then on imported as plain JavaScript: without loading tsx and esbuild or transforming each file
// again, in the command thread and in every pool worker (bench/README.md, "startup").
//
// - Packages stay outside the bundle: each package import (kernel-model-checker/model, ...) is
//   written as the absolute file: URL that the package resolves to from the model's folder, so
//   the model shares kmc's own modules (its classes, its symbols) wherever the cache lives.
// - The cache is data read from disk. A file is used only when its header names the key it was
//   looked up by and the SHA-256 of its body, and both match what is read, and the file and its
//   folder belong to this user; anything else (a corrupted, truncated, foreign or tampered file) is transformed
//   afresh and replaced. This catches accidents and other users' files, not a process running as
//   this user, which could as well change node_modules.
// - Where: $KMC_CACHE_DIR if set, else node_modules/.cache/kmc in the nearest node_modules above
//   the model, else $XDG_CACHE_HOME/kmc (~/.cache/kmc); the first that can be written. When none
//   can (a read-only checkout and home), or KMC_NO_MODEL_CACHE=1, nothing is cached and the caller
//   imports through tsx as before, with no error.
// - What is not cached (the caller imports through tsx, as before): a file whose sources use
//   import.meta, require() or a dynamic import() of a computed name (bundled into a file elsewhere
//   they would resolve differently), and a bundle that pulled in a file the digest does not cover.
// - Errors still point at the .ts lines: the bundle carries an inline source map whose sources
//   are the original files, and Node's source maps are turned on before it is imported (as tsx
//   does), so stacks, and the step locations read from them (src/model/where.ts), name the .ts.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sourceClosure, sourceDigest } from './source-digest.js';

/** Changes with the build options or the file format: an older cache file is then never used. */
const FORMAT = 'kmc-model-cache 1 (esm bundle, packages as file: URLs, inline source map)';
const HEADER = /^\/\/ kmc-model-cache key=([0-9a-f]{64}) body=([0-9a-f]{64})\n/;

export const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/** Whether the cache is turned off (KMC_NO_MODEL_CACHE=1). */
export function modelCacheDisabled(): boolean {
  const v = process.env.KMC_NO_MODEL_CACHE;
  return v !== undefined && v !== '' && v !== '0';
}

/** The folders the cache may live in for a model at `file`, the preferred first. */
export function cacheDirs(file: string): string[] {
  const env = process.env.KMC_CACHE_DIR;
  if (env) return [resolve(env)];
  const out: string[] = [];
  for (let dir = dirname(resolve(file)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) {
      out.push(join(dir, 'node_modules', '.cache', 'kmc'));
      break;
    }
    if (dirname(dir) === dir) break;
  }
  const xdg = process.env.XDG_CACHE_HOME;
  out.push(join(xdg ? resolve(xdg) : join(homedir(), '.cache'), 'kmc'));
  return out;
}

/** The nearest tsconfig.json above `file` (esbuild reads its compiler options, as tsx does), or undefined. */
function tsconfigOf(file: string): string | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const path = join(dir, 'tsconfig.json');
    if (existsSync(path)) return path;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The cache key of a model file: the format, its absolute path, the digest of its sources and
 * the bytes of the tsconfig.json that governs their transform (not the files it extends).
 */
export function cacheKey(file: string): string {
  const abs = resolve(file);
  const tsconfig = tsconfigOf(abs);
  const options = tsconfig === undefined ? '' : `${tsconfig}\0${readFileSync(tsconfig, 'utf8')}`;
  return sha256(`${FORMAT}\0${abs}\0${sourceDigest(abs)}\0${options}`);
}

/**
 * The cache file's name: a prefix naming the model file (so that a new version replaces the
 * previous one: the cache holds one file per model file, not one per edit), then the key.
 */
export function cacheFileName(file: string, key: string): string {
  return `${sha256(resolve(file)).slice(0, 16)}-${key}.mjs`;
}

/**
 * Whether the file, its folder and the folder above belong to this user (the one above may be
 * root's: /tmp, a system cache): another user could otherwise replace the file between its check
 * and its import.
 */
function owned(path: string): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return true; // Windows: no owner ids to compare
  const parent = dirname(dirname(path));
  return statSync(path).uid === uid && statSync(dirname(path)).uid === uid && [uid, 0].includes(statSync(parent).uid);
}

/**
 * The body of a cache file when its header names `key` and its body's hash, and it belongs to
 * this user (owned); otherwise undefined.
 */
export function readCacheFile(path: string, key: string): string | undefined {
  try {
    if (!existsSync(path) || !owned(path)) return undefined;
    const text = readFileSync(path, 'utf8');
    const m = HEADER.exec(text);
    if (!m || m[1] !== key) return undefined;
    const body = text.slice(m[0].length);
    return sha256(body) === m[2] ? body : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Written beside, then renamed: a reader never sees half a file (and another writer's rename
 * simply wins). The same model file's older versions (the name's prefix up to its first `-`,
 * ending in `ext`) are removed. Also the step-code cache's (src/cli/step-cache.ts).
 */
export function writeCacheFile(dir: string, name: string, key: string, body: string, ext = '.mjs'): string | undefined {
  const path = join(dir, name);
  const tmp = join(dir, `.${key}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, `// kmc-model-cache key=${key} body=${sha256(body)}\n${body}`, { mode: 0o644 });
    renameSync(tmp, path);
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // no folder to leave a file in
    }
    return undefined;
  }
  const prefix = name.slice(0, name.indexOf('-') + 1);
  try {
    for (const old of readdirSync(dir)) if (old.startsWith(prefix) && old.endsWith(ext) && old !== name) rmSync(join(dir, old), { force: true });
  } catch {
    // a version left behind takes room, nothing else
  }
  return path;
}

/** Source text that would not mean the same bundled into a file elsewhere. */
const UNBUNDLABLE = /\bimport\.meta\b|\brequire\s*\(|\bimport\s*\(\s*[^'"\s]/;

type Esbuild = typeof import('esbuild');

/** esbuild as tsx has it (tsx's dependency, so its version), loaded only on a miss. */
async function loadEsbuild(): Promise<Esbuild> {
  const fromTsx = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
  return (await import(pathToFileURL(fromTsx.resolve('esbuild')).href)) as Esbuild;
}

const SKIP = Symbol('kmc: resolving for the externals plugin');

/**
 * The model's sources bundled into one ES module with an inline source map, or undefined when
 * it must not be cached (see the header). Errors of the build (a syntax error) also give
 * undefined: tsx then reports them as it always did.
 */
async function bundle(file: string): Promise<string | undefined> {
  const closure = sourceClosure(file);
  if (closure.some((f) => UNBUNDLABLE.test(readFileSync(f, 'utf8')))) return undefined;
  const esbuild = await loadEsbuild();
  const cwd = dirname(file);
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [file],
      absWorkingDir: cwd,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      outfile: join(cwd, 'model.mjs'),
      sourcemap: 'external',
      sourcesContent: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [
        {
          name: 'kmc-packages-as-urls',
          setup(build) {
            build.onResolve({ filter: /^[^./]/ }, async (args) => {
              if ((args.pluginData as unknown) === SKIP) return undefined;
              if (args.path.startsWith('node:') || builtinModules.includes(args.path)) return { path: args.path, external: true };
              const r = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: SKIP });
              if (r.errors.length > 0) return { errors: r.errors };
              // A package's file, imported where it lies; a tsconfig path alias to the user's own
              // sources is bundled (and then fails the closure test below).
              if (/[\\/]node_modules[\\/]/.test(r.path) || !/\.[cm]?tsx?$/.test(r.path)) return { path: pathToFileURL(r.path).href, external: true };
              return { path: r.path };
            });
          },
        },
      ],
    });
  } catch {
    return undefined;
  }
  const inputs = Object.keys(result.metafile.inputs).map((p) => resolve(cwd, p));
  const covered = new Set(closure);
  if (!inputs.every((p) => covered.has(p))) return undefined;
  const js = result.outputFiles.find((f) => f.path.endsWith('.mjs'))?.text;
  const mapText = result.outputFiles.find((f) => f.path.endsWith('.map'))?.text;
  if (js === undefined || mapText === undefined) return undefined;
  // The map's sources as absolute URLs (the bundle lives elsewhere), its lines shifted by the header's one.
  const map = JSON.parse(mapText) as { sources: string[]; mappings: string; sourceRoot?: string };
  map.sources = map.sources.map((s) => pathToFileURL(resolve(cwd, s)).href);
  delete map.sourceRoot;
  map.mappings = `;${map.mappings}`;
  const code = js.replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, '\n');
  return `${code}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
}

/**
 * The path of the verified compiled form of the TypeScript model `file`, built and stored now on
 * a miss; undefined when it cannot be cached (turned off, nothing writable, not bundlable).
 */
export async function compiledModelFile(file: string): Promise<string | undefined> {
  if (modelCacheDisabled()) return undefined;
  const abs = resolve(file);
  let key: string;
  try {
    key = cacheKey(abs);
  } catch {
    return undefined;
  }
  const dirs = cacheDirs(abs);
  for (const dir of dirs) {
    const path = join(dir, cacheFileName(abs, key));
    if (readCacheFile(path, key) !== undefined) return path;
  }
  const body = await bundle(abs);
  if (body === undefined) return undefined;
  for (const dir of dirs) {
    const path = writeCacheFile(dir, cacheFileName(abs, key), key, body);
    // Read back through the same check a later run applies.
    if (path !== undefined && readCacheFile(path, key) !== undefined) return path;
  }
  return undefined;
}

/** Removes a cache file that could not be imported (a package it names has gone). */
export function dropCacheFile(path: string): void {
  rmSync(path, { force: true });
}
