// The SHA-256 of a source file together with every file it imports by a relative path,
// transitively: what a checkpoint or a distributed run must find unchanged before it combines
// two pieces of one search. A model file's helpers (a shared header of variables, a property
// file, its own kernel primitives) change the model as much as the file itself does.
//
// Files are read as text, never executed. Specifiers are found as the layering check finds
// them (static import/export … from, side-effect imports, literal dynamic imports); packages
// and node: modules are leaves (kmc's version covers its own). A `.js` specifier of a
// TypeScript source is resolved to the `.ts` beside it, as tsc and tsx do.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const PATTERNS = [
  /^[ \t]*(?:import|export)\b[^;]*?\bfrom\s*(['"])([^'"\n]+)\1/gm,
  /^[ \t]*import\s*(['"])([^'"\n]+)\1/gm,
  /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g,
];

function relativeSpecifiers(text: string): string[] {
  const out: string[] = [];
  for (const re of PATTERNS) for (const m of text.matchAll(re)) if (m[2]!.startsWith('.')) out.push(m[2]!);
  return out;
}

function resolveSource(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base.replace(/\.cjs$/, '.cts'), `${base}.ts`, `${base}.js`];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** The files hashed for `file`: itself and its relative imports, transitively, sorted by path. */
export function sourceClosure(file: string): string[] {
  const seen = new Set<string>();
  const todo = [resolve(file)];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const spec of relativeSpecifiers(readFileSync(f, 'utf8'))) {
      const dep = resolveSource(f, spec);
      if (dep !== undefined && !seen.has(dep)) todo.push(dep);
    }
  }
  return [...seen].sort();
}

/** SHA-256 (hex) over each file of the closure: its path relative to `file`'s folder and its bytes. */
export function sourceDigest(file: string): string {
  const root = dirname(resolve(file));
  const h = createHash('sha256');
  for (const f of sourceClosure(file)) {
    const bytes = readFileSync(f);
    h.update(`${f.startsWith(root) ? f.slice(root.length) : f}\0${bytes.length}\0`).update(bytes);
  }
  return h.digest('hex');
}
