// Importing a user's model file, whatever its extension (.ts, .mts, .cts, .js, .mjs) and whatever
// its package's `type`: a TypeScript ES module through the compiled-model cache
// (src/util/model-cache.ts: no tsx on a hit), anything else TypeScript through tsx's scoped import
// (a .ts file in a CommonJS package is compiled as CommonJS there; a global hook would instead
// fail with "Cannot require() ES Module ... in a cycle"). The main thread's loader and the worker
// threads use this one function, so both see the same module.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The `type` of the package.json nearest above `file` ('commonjs' when none says otherwise, as Node). */
function packageType(file: string): string {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const json = JSON.parse(readFileSync(pkg, 'utf8')) as unknown;
        const type = json !== null && typeof json === 'object' && Object.hasOwn(json, 'type') ? (json as { type: unknown }).type : undefined;
        return type === 'module' ? 'module' : 'commonjs';
      } catch {
        return 'commonjs'; // an unreadable package.json: tsx's import, which copes with either
      }
    }
    if (dirname(dir) === dir) return 'commonjs';
  }
}

/**
 * Whether `url` needs tsx's import: TypeScript, and .js in a CommonJS package (ES module syntax
 * there is compiled by tsx, where a plain import() would refuse it). .mjs, .cjs and .js in an ES
 * module package (compiled models) are imported as they are, without loading tsx (about 0.06 s
 * of CPU, more under load: start-up, bench/startup.ts).
 */
export function needsTsx(url: string): boolean {
  const path = new URL(url).pathname;
  if (/\.[cm]js$/.test(path)) return false;
  if (/\.js$/.test(path)) return packageType(fileURLToPath(url)) !== 'module';
  return true;
}

/**
 * Whether a TypeScript file goes through the compiled-model cache (src/util/model-cache.ts): an
 * ES module (.mts, or .ts in a `"type": "module"` package, as `kmc init` makes). A .ts or .cts
 * compiled as CommonJS keeps tsx's import.
 */
function cacheable(path: string): boolean {
  return /\.mts$/.test(path) || (/\.ts$/.test(path) && packageType(path) === 'module');
}

/** The module namespace of `file` (an absolute path or a file: URL, a query string allowed). */
export async function importModelModule(file: string): Promise<Record<string, unknown>> {
  const url = file.startsWith('file:') ? file : pathToFileURL(file).href;
  if (!needsTsx(url)) return (await import(url)) as Record<string, unknown>;
  const path = fileURLToPath(url);
  if (cacheable(path)) {
    const { compiledModelFile, dropCacheFile } = await import('./model-cache.js');
    const compiled = await compiledModelFile(path);
    if (compiled !== undefined) {
      // The stacks of the model's code, and the step locations read from them, name the .ts
      // lines through the bundle's source map (tsx turns them on for its imports too).
      process.setSourceMapsEnabled(true);
      try {
        return (await import(pathToFileURL(compiled).href + new URL(url).search)) as Record<string, unknown>;
      } catch (e) {
        // A package the bundle names by its path has moved or gone: tsx's import resolves afresh
        // (and reports a package that is really missing as it always did).
        if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e;
        dropCacheFile(compiled);
      }
    }
  }
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
}
