// A trace file is data: `kmc replay` never imports a module that the trace file names
// (#meta.source), only a model the user names on the command line (--model PATH). The crafted
// files here point at modules that would leave a marker file on disk if they were ever loaded.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKmc } from '../helpers/kmc-cli.js';
import { ABBA, abbaTraceDir, built, root } from '../helpers/abba-trace.js';

const kmc = runKmc;
const at = abbaTraceDir('kmc-trust-');


/** A module that writes `marker` when imported, and a trace file of abba that names it as its source. */
function crafted(name: string, ext: 'mjs' | 'ts'): { file: string; marker: string; evil: string } {
  const marker = join(at.dir, `${name}.marker`);
  const evil = join(at.dir, `${name}.${ext}`);
  writeFileSync(evil, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'code ran');\nexport default { name: 'abba', build() { throw new Error('x'); }, variants: {}, params: {} };\n`);
  const j = JSON.parse(readFileSync(at.trace, 'utf8'));
  j['#meta'].source = evil;
  const file = join(at.dir, `${name}.itf.json`);
  writeFileSync(file, JSON.stringify(j));
  return { file, marker, evil };
}

describe('kmc replay never loads code a trace file names', () => {
  it('a crafted #meta.source (JavaScript or TypeScript, absolute or relative) is not imported: exit 2, one line saying to use --model', async () => {
    for (const ext of ['mjs', 'ts'] as const) {
      const { file, marker, evil } = crafted(`evil-${ext}`, ext);
      for (const source of [evil, `./${join(at.dir, `evil-${ext}.${ext}`).slice(process.cwd().length + 1)}`]) {
        const j = JSON.parse(readFileSync(file, 'utf8'));
        j['#meta'].source = source;
        writeFileSync(file, JSON.stringify(j));
        const r = await kmc('replay', file);
        expect(r.code).toBe(2);
        expect(r.out).toBe('');
        expect(r.err.split('\n')).toHaveLength(1);
        expect(r.err).toMatch(/which is not bundled; kmc loads no code a trace file names: give the model file yourself with --model PATH/);
        expect(existsSync(marker)).toBe(false);
      }
    }
  });

  it('also with --json and --variant', async () => {
    const { file, marker } = crafted('evil-json', 'mjs');
    expect((await kmc('replay', file, '--json')).code).toBe(2);
    expect((await kmc('replay', file, '--variant', 'ordered')).code).toBe(2);
    expect(existsSync(marker)).toBe(false);
  });

  it('the model the user names with --model is the one that runs', async () => {
    const { file, marker } = crafted('evil-named', 'mjs');
    const r = await kmc('replay', file, '--model', ABBA);
    expect(r.code).toBe(1);
    expect(r.out).toContain('deadlock (deadlock) violated after step 2');
    expect(existsSync(marker)).toBe(false);
  });

  it.skipIf(!built)('as a real process: node bin/kmc.js replay on the crafted file leaves no marker', () => {
    const { file, marker } = crafted('evil-process', 'ts');
    const r = spawnSync(process.execPath, ['bin/kmc.js', 'replay', file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^kmc: kmc replay: trace file .* give the model file yourself with --model PATH/)]);
    expect(existsSync(marker)).toBe(false);
  });
});
