// Paths kmc prints or writes into files (trace files, SARIF, reports, the commands it suggests):
// relative to the working directory, so that they work on a colleague's checkout or a CI runner.

import { isAbsolute, relative, sep } from 'node:path';

/** `file` relative to the working directory, with forward slashes and a leading ./ (a path, not a model name). */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  if (rel === '' || isAbsolute(rel)) return file;
  const posix = rel.split(sep).join('/');
  return posix.startsWith('../') ? posix : `./${posix}`;
}
