// kmc init [dir]: a ready model project, so that a kernel developer's first model is a copy of a
// working one. It writes package.json (depending on kernel-model-checker), a strict tsconfig, an
// example model with a buggy and a fixed variant and its properties, a vitest test using kmc's
// matchers, the pinned expectations, and a GitHub Actions workflow that runs the checks and
// uploads SARIF. It never overwrites a file: existing ones are named and nothing is written.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { UsageError } from '../../util/errors.js';
import { displayPath } from '../../util/display-path.js';
import { VERSION } from '../version.js';
import type { Io } from '../io.js';

/** The package root (holding templates/init), from src/cli/commands or dist/src/cli/commands. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'templates', 'init')) && existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('kmc init: cannot find its templates (templates/init in the kernel-model-checker package)');
}

/** Template file -> where it goes in the project (dot-files are stored without the dot: npm pack drops .gitignore). */
const TEMPLATE_FILES: readonly [string, string][] = [
  ['models/example.ts', 'models/example.ts'],
  ['models/expectations.json', 'models/expectations.json'],
  ['tests/example.test.ts', 'tests/example.test.ts'],
  ['github/workflows/kmc.yml', '.github/workflows/kmc.yml'],
  ['gitignore', '.gitignore'],
  ['README.md', 'README.md'],
];

/** The versions kmc is built and tested with: the new project gets the same tools. */
function devVersions(root: string): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const dev = pkg.devDependencies ?? {};
  const pick = (name: string, fallback: string) => dev[name] ?? fallback;
  return { typescript: pick('typescript', '^5.6.0'), vitest: pick('vitest', '^4.0.0'), '@types/node': pick('@types/node', '^20.0.0') };
}

function packageJson(name: string, root: string): string {
  const pkg = {
    name,
    private: true,
    type: 'module',
    description: 'kernel concurrency models checked with kmc (kernel-model-checker)',
    scripts: {
      // kmc does not type-check a model when it checks it: the tests start with tsc.
      test: 'tsc -p tsconfig.json && vitest run',
      check: 'kmc check models/example.ts --all --expect models/expectations.json',
    },
    devDependencies: { 'kernel-model-checker': `^${VERSION}`, ...devVersions(root) },
  };
  return JSON.stringify(pkg, null, 2) + '\n';
}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023'],
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    skipLibCheck: false,
    verbatimModuleSyntax: true,
    forceConsistentCasingInFileNames: true,
  },
  include: ['models', 'tests'],
};

/** The npm package name for a directory name (lower case, safe characters). */
export function projectName(dir: string): string {
  const n = basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '');
  return n || 'kernel-models';
}

/** Write the project into `dir`; returns the files written (relative to it). */
export function initProject(dir: string): string[] {
  const root = packageRoot();
  const files: [string, string][] = [
    ['package.json', packageJson(projectName(dir), root)],
    ['tsconfig.json', JSON.stringify(TSCONFIG, null, 2) + '\n'],
    ...TEMPLATE_FILES.map(([from, to]): [string, string] => [to, readFileSync(join(root, 'templates', 'init', from), 'utf8')]),
  ];
  const existing = files.map(([f]) => f).filter((f) => existsSync(join(dir, f)));
  if (existing.length)
    throw new UsageError(
      `kmc init: ${resolve(dir)} already has ${existing.join(', ')}; nothing written (kmc init never overwrites a file): give it a new folder, e.g. kmc init kernel-models`,
    );
  for (const [f, text] of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return files.map(([f]) => f);
}

export function registerInit(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('init')
    .description('create a model project: package.json, a strict tsconfig, models/example.ts (buggy and fixed), a vitest test, expectations and a CI workflow')
    .argument('[dir]', 'where to create it (default: the current directory)', '.')
    .action((dir: string) => {
      const written = initProject(dir);
      const shown = displayPath(resolve(dir));
      const where = shown.startsWith('../') ? resolve(dir) : shown;
      const cd = resolve(dir) === process.cwd() ? '' : `cd ${where} && `;
      io.out(
        [
          `kmc init: wrote ${written.length} files in ${where}:`,
          ...written.map((f) => `  ${f}`),
          '',
          'Next:',
          `  ${cd}npm install`,
          '  npm test                                   # type-checks the models and runs the vitest test',
          '  npx kmc check models/example.ts --all      # buggy: VIOLATED (exit 1), fixed: VERIFIED',
        ].join('\n'),
      );
      setExit(0);
    });
}
