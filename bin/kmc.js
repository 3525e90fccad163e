#!/usr/bin/env node
// The CLI runs from the compiled tree (dist/), built by `npm ci` (the `prepare` script) or `npm run build`,
// so that starting kmc never type-checks or transpiles anything.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const main = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('kmc: the compiled CLI is missing (dist/). Run `npm run build` (npm ci does it for you).\n');
  process.exit(2);
}
const { run } = await import(main);
process.exitCode = await run(process.argv);
