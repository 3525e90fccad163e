// kmc's version, read from package.json once.
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // try the next location (src/cli from the sources, dist/src/cli when compiled)
    }
  }
  throw new Error('kmc: cannot find its package.json to read its version');
}

export const VERSION = readVersion();
