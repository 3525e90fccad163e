// Where the worker code is, both when kmc runs compiled (dist/, .js files) and when its
// TypeScript sources run under vitest or tsx (.ts files). Orchestrator side: workers never import it.

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

/**
 * What piscina loads: the compiled worker directly, or a bootstrap that registers tsx and then
 * imports the .ts worker (`workerData.kmcWorker`).
 */
export function workerEntry(): { filename: string; workerData: { kmcWorker?: string } } {
  const worker = moduleFile('./worker.js', import.meta.url);
  // Compiled: worker-entry.js, which loads the worker's code from its bundle when there is one.
  if (worker.endsWith('.js')) return { filename: pathToFileURL(moduleFile('./worker-entry.js', import.meta.url)).href, workerData: {} };
  return {
    filename: pathToFileURL(fileURLToPath(new URL('./boot.mjs', import.meta.url))).href,
    workerData: { kmcWorker: pathToFileURL(worker).href },
  };
}
