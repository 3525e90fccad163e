// The model tests' "read one kernel at a time" check: a variant's program listing as lines (the
// header line, which names the variant, left out), and the lines one listing has that another
// lacks, so a test can pin that two variants differ exactly in their fragments.

import { compileModel, type CompileOptions } from '../../src/model/compile.js';
import { programListing } from '../../src/model/index.js';
import type { ModelDef } from '../../src/model/types.js';

/** `kmc list MODEL --code --variant V` as lines, without the header line. */
export function listingLines<S extends object>(def: ModelDef<S>, variant: string, params: CompileOptions['params'] = {}): string[] {
  return programListing(compileModel(def, { variant, params })).split('\n').slice(1);
}

/** The distinct lines of `a` that `b` does not have, in `a`'s order. */
export function linesOnlyIn(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set(a.filter((l) => !b.includes(l)))];
}
