// A run's source hash covers the files the model imports by relative paths, so a checkpoint of a
// model whose helper changed is refused like one whose model file changed.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sourceClosure, sourceDigest } from '../../src/util/source-digest.js';

const dir = mkdtempSync(join(tmpdir(), 'kmc-digest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sourceDigest', () => {
  it('follows relative imports transitively (.js specifiers to .ts files), not packages', () => {
    writeFileSync(join(dir, 'model.ts'), "import { x } from './helper.js';\nimport { y } from 'kernel-model-checker/model';\nexport const m = x + y;\n");
    writeFileSync(join(dir, 'helper.ts'), "export { x } from './deeper.js';\n");
    writeFileSync(join(dir, 'deeper.ts'), 'export const x = 1;\n');
    writeFileSync(join(dir, 'unrelated.ts'), 'export const z = 1;\n');
    expect(sourceClosure(join(dir, 'model.ts')).map((f) => f.slice(dir.length + 1))).toEqual(['deeper.ts', 'helper.ts', 'model.ts']);
  });

  it('changes when an imported file changes, and only then', () => {
    const before = sourceDigest(join(dir, 'model.ts'));
    writeFileSync(join(dir, 'unrelated.ts'), 'export const z = 2;\n');
    expect(sourceDigest(join(dir, 'model.ts'))).toBe(before);
    writeFileSync(join(dir, 'deeper.ts'), 'export const x = 2;\n');
    expect(sourceDigest(join(dir, 'model.ts'))).not.toBe(before);
  });

  it('terminates on import cycles', () => {
    writeFileSync(join(dir, 'a.ts'), "import './b.js';\n");
    writeFileSync(join(dir, 'b.ts'), "import './a.js';\n");
    expect(sourceClosure(join(dir, 'a.ts'))).toHaveLength(2);
  });
});
