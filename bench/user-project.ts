// A kernel developer's own project, for tests/util/model-cache.test.ts and bench/startup.ts's
// "user model" rows: models/race.ts is kmc init's example (templates/init/models/example.ts) with
// its waker moved to a helper it imports by a relative path (tests/fixtures/user-model/lib/wake.ts,
// copied as models/lib/wake.ts) and a third variant, "throws", the fixed order with a helper guard
// that throws. race.ts is made from the template each time, so the two cannot drift apart: an edit
// that no longer finds its one place in the template is an error, not a model silently different.

import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The edits that turn the template into race.ts: what each does, where (exactly one match), and its replacement. */
const EDITS: [what: string, from: RegExp, to: string][] = [
  ['the header', /^/, "// kmc init's example (templates/init/models/example.ts), its waker in ./lib/wake.ts, and a variant whose helper guard throws.\n"],
  ['the helper import', /^(import \{[^}]*\} from 'kernel-model-checker\/property';\n)/m, "$1import { signalDone } from './lib/wake.js';\n"],
  ['the variant "throws"', /^( +fixed: 'set_current_state\(\) first[^\n]*\n)/m, "$1    throws: 'the fixed order, with a helper guard that throws',\n"],
  ['its wait_for_done()', /^( +)(fixed: \(\) =>\n)/m, "$1throws: () => func<S>('wait_for_done', [setState, sleep]),\n$1$2"],
  ['the waker', /^( +const waker = thread<S>\('waker', )func<S>\('signal_done', \[\n[\s\S]*?\n +\]\)\);\n/m, "$1signalDone<S>(variant === 'throws'));\n"],
];

/** race.ts's text from the template's (throws when an edit does not match exactly once). */
export function userModelSource(template: string): string {
  return EDITS.reduce((text, [what, from, to]) => {
    const n = text.match(new RegExp(from.source, `${from.flags}g`))?.length ?? 0;
    if (n !== 1) throw new Error(`user model: ${what} matches ${n} places in templates/init/models/example.ts, not one`);
    return text.replace(from, to);
  }, template);
}

/**
 * Makes the project in `dir` (made if missing, holding no node_modules yet): models/race.ts and models/lib/wake.ts,
 * package.json with "type": "module", and node_modules/kernel-model-checker linked to `pkg` (a
 * checkout holding dist/). `root` is the checkout holding templates/ and tests/fixtures/.
 */
export function makeUserProject(root: string, dir: string, pkg = root): { dir: string; model: string; helper: string } {
  const models = join(dir, 'models');
  cpSync(join(root, 'tests', 'fixtures', 'user-model', 'lib'), join(models, 'lib'), { recursive: true });
  writeFileSync(join(models, 'race.ts'), userModelSource(readFileSync(join(root, 'templates', 'init', 'models', 'example.ts'), 'utf8')));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-models', private: true, type: 'module' }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(pkg, join(dir, 'node_modules', 'kernel-model-checker'), 'dir');
  return { dir, model: join(models, 'race.ts'), helper: join(models, 'lib', 'wake.ts') };
}
