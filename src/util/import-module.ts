// Importing a user's model file, whatever its extension (.ts, .mts, .cts, .js, .mjs) and whatever
// its package's `type`: through tsx's scoped import (a .ts file in a CommonJS package
// is compiled as CommonJS there; a global hook would instead fail with "Cannot require() ES
// Module ... in a cycle"). The main thread's loader and the worker threads use this one function,
// so both see the same module.

import { pathToFileURL } from 'node:url';

/** The module namespace of `file` (an absolute path or a file: URL). */
export async function importModelModule(file: string): Promise<Record<string, unknown>> {
  const url = file.startsWith('file:') ? file : pathToFileURL(file).href;
  // .js too: ES module syntax in a .js file of a CommonJS package is compiled by tsx, where a
  // plain import() would refuse it. Only .mjs and .cjs say their own format.
  if (!/\.[cm]js$/.test(new URL(url).pathname)) {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(url)) as Record<string, unknown>;
}
