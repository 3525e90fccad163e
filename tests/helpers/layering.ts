// The layering rules of docs/architecture.md and the house guide, checked on the import graph:
//
//   util → model → property, kernel, trace → engine, random → parallel → report → cli
//
// A file may import its own layer and the layers to its left, never to its right. The bundled
// models (models/, properties/) use only the public model, kernel and property API
// (src/{model,kernel,property}/index.ts); src/ never imports them, except the CLI's entry module
// (src/cli/main.ts), which injects the registry into the program. Worker code (everything
// src/parallel/worker.ts imports, transitively) never imports the orchestrator's modules, and the
// distributed worker (src/distributed/worker.ts) never the coordinator.
//
// Imports are read from the text: static `import`/`export … from`, side-effect imports, dynamic
// `import('…')` with a literal, and `new URL('…', import.meta.url)` (how a module names a file
// it loads at run time). Only relative specifiers are followed (packages and node: are leaves).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Left to right; a file may import files of its own rank or a lower one. */
const LAYERS: readonly (readonly string[])[] = [
  ['util'],
  ['model'],
  ['property', 'kernel', 'trace'],
  ['engine', 'random'],
  ['parallel', 'distributed'],
  ['report'],
  ['cli', 'testing'],
];

/**
 * The search core: it sees a model only through the model↔engine contract (src/model/system.ts,
 * and the model API's types), never the compiled model's metadata (compile.ts, layout, ...).
 */
const CONTRACT_ONLY = new Set(['src/engine/search.ts', 'src/engine/expand.ts', 'src/engine/evaluate.ts', 'src/engine/coverage.ts', 'src/engine/follow.ts', 'src/engine/walk.ts', 'src/engine/chooser.ts', 'src/trace/follow.ts']);
const CONTRACT = new Set(['src/model/system.ts', 'src/model/types.ts']);

/** The public API the bundled models and properties may use. */
const PUBLIC_API = new Set(['src/model/index.ts', 'src/kernel/index.ts', 'src/property/index.ts']);

/** The composition root that may import the bundled-model registry to inject it. */
const ENTRY_MODULES = new Set(['src/cli/main.ts']);

/** The worker threads' entry module, and the orchestrator's modules it must never reach. */
const WORKER_ENTRY = 'src/parallel/worker.ts';
const ORCHESTRATOR = /^src\/parallel\/(pool|index|backend|paths|memory)\.ts$/;
/** The distributed worker (any machine) and the coordinator it must never reach. */
const DISTRIBUTED_WORKER = 'src/distributed/worker.ts';
const COORDINATOR = /^src\/distributed\/coordinator\.ts$/;

export interface SourceFile {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  text: string;
}

export interface Edge {
  from: string;
  /** The imported file, relative to the root (or the raw specifier when it resolves to nothing). */
  to: string;
  specifier: string;
}

/** Every relative specifier a source file names as a module. */
export function specifiers(text: string): string[] {
  const patterns = [
    // Statements that start a line: import … from '…', export … from '…', import '…'.
    /^[ \t]*(?:import|export)\b[^;]*?\bfrom\s*(['"])([^'"\n]+)\1/gm,
    /^[ \t]*import\s*(['"])([^'"\n]+)\1/gm,
    /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g,
    /new URL\(\s*(['"])([^'"\n]+)\1\s*,\s*import\.meta\.url/g,
  ];
  const found = patterns.flatMap((re) => [...text.matchAll(re)].map((m) => ({ at: m.index, spec: m[2]! })));
  // Relative names of files (a directory, `new URL('../', import.meta.url)`, is no import).
  return found.sort((x, y) => x.at - y.at).map((f) => f.spec).filter((s) => s.startsWith('.') && !s.endsWith('/'));
}

/** The file a relative specifier names: its .ts source for a .js name; dist/ maps to the sources. */
function resolveSpecifier(root: string, from: string, spec: string, exists: (p: string) => boolean): string {
  let p = relative(root, resolve(root, dirname(from), spec)).split('\\').join('/');
  if (p.startsWith('dist/')) p = p.slice('dist/'.length);
  if (exists(p)) return p;
  const ts = p.replace(/\.js$/, '.ts');
  if (exists(ts)) return ts;
  return p;
}

export function edgesOf(root: string, files: readonly SourceFile[]): Edge[] {
  const known = new Set(files.map((f) => f.path));
  const exists = (p: string) => known.has(p);
  return files.flatMap((f) => specifiers(f.text).map((specifier) => ({ from: f.path, to: resolveSpecifier(root, f.path, specifier, exists), specifier })));
}

/** The layer rank of a file under src/ (undefined: not in a layer, e.g. src/index.ts, the library's entry). */
function rankOf(path: string): number | undefined {
  const m = /^src\/([^/]+)\//.exec(path);
  if (!m) return undefined;
  const i = LAYERS.findIndex((l) => l.includes(m[1]!));
  return i < 0 ? undefined : i;
}

const isBundled = (p: string) => p.startsWith('models/') || p.startsWith('properties/');

/** Every broken rule, as one line each. */
export function violations(edges: readonly Edge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const where = `${e.from} imports ${e.to}`;
    if (isBundled(e.from)) {
      if (e.to.startsWith('src/') && !PUBLIC_API.has(e.to)) out.push(`${where}: models and properties use only ${[...PUBLIC_API].join(', ')}`);
      continue;
    }
    if (!e.from.startsWith('src/')) continue;
    if (isBundled(e.to)) {
      if (!ENTRY_MODULES.has(e.from)) out.push(`${where}: the bundled models are injected by ${[...ENTRY_MODULES].join(', ')}, not imported`);
      continue;
    }
    const from = rankOf(e.from);
    const to = rankOf(e.to);
    if (from !== undefined && to !== undefined && to > from) out.push(`${where}: ${LAYERS[to]!.join('/')} is to the right of ${LAYERS[from]!.join('/')}`);
    if (from !== undefined && e.to === 'src/index.ts') out.push(`${where}: src/index.ts is the library's entry, not a layer`);
    if (CONTRACT_ONLY.has(e.from) && e.to.startsWith('src/model/') && !CONTRACT.has(e.to))
      out.push(`${where}: the search core sees a model only through ${[...CONTRACT].join(', ')}`);
  }
  // Worker code: the closure of each worker entry module.
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  for (const [entry, forbidden, what] of [
    [WORKER_ENTRY, ORCHESTRATOR, 'the orchestrator'],
    [DISTRIBUTED_WORKER, COORDINATOR, 'the coordinator'],
  ] as const) {
    const seen = new Set<string>([entry]);
    const stack: string[] = [entry];
    while (stack.length > 0) {
      const f = stack.pop()!;
      for (const t of next.get(f) ?? []) {
        if (forbidden.test(t)) out.push(`${f} imports ${t}: worker code (reached from ${entry}) never imports ${what}`);
        else if (!seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
      }
    }
  }
  return out;
}

/** The repository's sources: src/, models/, properties/, bin/. */
export function sourceFiles(root: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir))) {
      const rel = `${dir}/${name}`;
      if (statSync(join(root, rel)).isDirectory()) walk(rel);
      else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push({ path: rel, text: readFileSync(join(root, rel), 'utf8') });
    }
  };
  for (const dir of ['src', 'models', 'properties', 'bin']) if (existsSync(join(root, dir))) walk(dir);
  return out;
}
