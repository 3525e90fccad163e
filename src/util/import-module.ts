// Importing a user's model file, whatever its extension (.ts, .mts, .cts, .js, .mjs) and whatever
// its package's `type`: through tsx's scoped import (a .ts file in a CommonJS package
// is compiled as CommonJS there; a global hook would instead fail with "Cannot require() ES
// Module ... in a cycle"). The main thread's loader and the worker threads use this one function,
// so both see the same module.

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

/** The module namespace of `file` (an absolute path or a file: URL). */
export async function importModelModule(file: string): Promise<Record<string, unknown>> {
  const url = file.startsWith('file:') ? file : pathToFileURL(file).href;
  if (needsTsx(url)) {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(url)) as Record<string, unknown>;
}
