// The layering of the sources (tests/helpers/layering.ts has the rules): imports go leftwards
// only, the bundled models are injected, worker code never reaches the orchestrator.

import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { edgesOf, sourceFiles, specifiers, violations, type SourceFile } from './helpers/layering.js';

const ROOT = resolve(import.meta.dirname, '..');

/** The repository's files with one file replaced or added. */
function withFile(file: SourceFile): SourceFile[] {
  return [...sourceFiles(ROOT).filter((f) => f.path !== file.path), file];
}

describe('layering', () => {
  it('the sources import only leftwards, and the check reads their imports', () => {
    const edges = edgesOf(ROOT, sourceFiles(ROOT));
    // The check sees the graph it is meant to: a few known edges of each kind.
    const has = (from: string, to: string) => edges.some((e) => e.from === from && e.to === to);
    expect(has('src/engine/check.ts', 'src/model/compile.ts')).toBe(true);
    expect(has('src/cli/main.ts', 'models/registry.ts')).toBe(true);
    expect(has('src/parallel/worker.ts', 'src/property/load-model.ts')).toBe(true);
    expect(has('src/parallel/paths.ts', 'src/parallel/boot.mjs')).toBe(true);
    expect(violations(edges)).toEqual([]);
  });

  it('fails on a rightward import (the engine importing the CLI)', () => {
    const file = { path: 'src/engine/rightward.ts', text: "import type { Io } from '../cli/io.js';\nexport type X = Io;\n" };
    expect(violations(edgesOf(ROOT, withFile(file)))).toEqual([
      'src/engine/rightward.ts imports src/cli/io.ts: cli/testing is to the right of engine/random',
    ]);
  });

  it('fails when the search core reaches past the model↔engine contract', () => {
    const search = sourceFiles(ROOT).find((f) => f.path === 'src/engine/search.ts')!;
    const file = { path: search.path, text: `import type { CompiledModel } from '../model/compile.js';\n${search.text}` };
    expect(violations(edgesOf(ROOT, withFile(file)))).toEqual([
      'src/engine/search.ts imports src/model/compile.ts: the search core sees a model only through src/model/system.ts, src/model/types.ts',
    ]);
  });

  it('fails when a command imports the bundled models instead of receiving them', () => {
    const file = { path: 'src/cli/commands/extra.ts', text: "import { bundled } from '../../../models/index.js';\nexport const n = bundled.length;\n" };
    expect(violations(edgesOf(ROOT, withFile(file)))).toEqual([
      'src/cli/commands/extra.ts imports models/index.ts: the bundled models are injected by src/cli/main.ts, not imported',
    ]);
  });

  it('fails when a model reaches past the public API', () => {
    const file = { path: 'models/extra.ts', text: "import { check } from '../src/engine/check.js';\nexport default check;\n" };
    expect(violations(edgesOf(ROOT, withFile(file)))).toEqual([
      'models/extra.ts imports src/engine/check.ts: models and properties use only src/model/index.ts, src/kernel/index.ts, src/property/index.ts',
    ]);
  });

  it('fails when worker code reaches the orchestrator, even through another module', () => {
    const worker = sourceFiles(ROOT).find((f) => f.path === 'src/parallel/level-search.ts')!;
    const file = { ...worker, text: `${worker.text}\nimport { ParallelChecker } from './pool.js';\nvoid ParallelChecker;\n` };
    expect(violations(edgesOf(ROOT, withFile(file)))).toEqual([
      'src/parallel/level-search.ts imports src/parallel/pool.ts: worker code (reached from src/parallel/worker.ts) never imports the orchestrator',
    ]);
  });

  it('fails when the distributed worker reaches the coordinator', () => {
    const chunk = sourceFiles(ROOT).find((f) => f.path === 'src/distributed/chunk.ts')!;
    const file = { ...chunk, text: `${chunk.text}\nimport { coordinate } from './coordinator.js';\nvoid coordinate;\n` };
    expect(violations(edgesOf(ROOT, withFile(file)))).toEqual([
      'src/distributed/chunk.ts imports src/distributed/coordinator.ts: worker code (reached from src/distributed/worker.ts) never imports the coordinator',
    ]);
  });

  it('reads static, side-effect, re-export, dynamic and URL imports, not text in comments or strings', () => {
    const text = [
      "import { a } from './a.js';",
      'import type {',
      '  B,',
      "} from '../b.js';",
      "import './c.js';",
      "export * from './d.js';",
      "const e = await import('./e.js');",
      "const f = new URL('./f.mjs', import.meta.url);",
      "// import { g } from './g.js';",
      "const h = 'import x from \"./h.js\"';",
      "import { i } from 'node:fs';",
    ].join('\n');
    expect(specifiers(text)).toEqual(['./a.js', '../b.js', './c.js', './d.js', './e.js', './f.mjs']);
  });
});
