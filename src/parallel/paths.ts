// Where the worker code and the bundled-model registry are, both when kmc runs compiled (dist/,
// .js files) and when its TypeScript sources run under vitest or tsx (.ts files).

import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The file of a sibling module given as `./name.js`: the .js when it exists, else the .ts source. */
export function moduleFile(relative: string, base: string | URL): string {
  const js = fileURLToPath(new URL(relative, base));
  if (existsSync(js)) return js;
  const ts = js.replace(/\.js$/, '.ts');
  if (existsSync(ts)) return ts;
  throw new Error(`cannot find ${js} or its .ts source`);
}

/** The bundled-model registry (models/index.js in dist/, models/index.ts in the sources). */
export function bundledRegistry(): string {
  return moduleFile('../../models/index.js', import.meta.url);
}

/**
 * What piscina loads: the compiled worker directly, or a bootstrap that registers tsx and then
 * imports the .ts worker (`workerData.kmcWorker`).
 */
export function workerEntry(): { filename: string; workerData: { kmcWorker?: string } } {
  const worker = moduleFile('./worker.js', import.meta.url);
  if (worker.endsWith('.js')) return { filename: pathToFileURL(worker).href, workerData: {} };
  return {
    filename: pathToFileURL(fileURLToPath(new URL('./boot.mjs', import.meta.url))).href,
    workerData: { kmcWorker: pathToFileURL(worker).href },
  };
}

/** A module path or file: URL as an import specifier; is it TypeScript (needs tsx)? */
export function importSpecifier(module: string): { url: string; typescript: boolean } {
  const url = module.startsWith('file:') ? module : pathToFileURL(module).href;
  return { url, typescript: /\.[cm]?ts$/.test(new URL(url).pathname) };
}
