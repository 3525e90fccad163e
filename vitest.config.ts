import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

// The slowest test files, slowest first (seconds in one full run on the shared 2-core machine at
// load 3-23, session 6; parallel/bundled, random-models and bundled-traces scaled by the searches
// cut from them since; see CONTRIBUTING.md, "Testing", for how to list every file's time).
// On a fresh clone vitest has no timings of its own and starts the largest files by size;
// starting these first lets both workers finish together instead of one of them running a
// multi-minute file alone at the end.
const SLOWEST_FIRST = [
  'tests/parallel/reductions-bundled.test.ts', // 276
  'tests/model/layout.test.ts', // 175
  'tests/parallel/random-models.test.ts', // 140
  'tests/engine/reference.test.ts', // 129
  'tests/parallel/bundled.test.ts', // 124
  'tests/parallel/reductions.test.ts', // 88
  'tests/distributed/cluster.test.ts', // 86
  'tests/readme.test.ts', // 84
  'tests/distributed/single-node.test.ts', // 84
  'tests/engine/reduction/bundled.test.ts', // 83
  'tests/engine/bundled-traces.test.ts', // 71
  'tests/oracle/bundled-vs-reference.test.ts', // 60
  'tests/parallel/agreement.test.ts', // 53
  'tests/distributed/cluster-workers.test.ts', // 50
];

class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = SLOWEST_FIRST.indexOf(relative(f.project.config.root, f.moduleId).split('\\').join('/'));
      return i < 0 ? SLOWEST_FIRST.length : i;
    };
    // Stable: the other files keep vitest's own order (its recorded durations, when it has them).
    return sorted.map((f, i) => [f, i] as const).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([f]) => f);
  }
}

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // vitest's default in run mode is one worker fewer than the cores: on CI's 2 cores, a single
    // worker ran every file one after another and left a core idle. One file per core.
    maxWorkers: Math.max(2, availableParallelism()),
    sequence: { sequencer: SlowestFirst },
  },
});
