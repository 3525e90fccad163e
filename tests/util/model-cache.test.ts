// The compiled-model cache (src/util/model-cache.ts): a user's .ts model and its relative
// helpers bundled once, kept under the digest of their sources, and imported as plain JavaScript
// by the command thread and every pool worker. The model is kmc init's example with its waker in a
// helper it imports and a variant whose helper throws (bench/user-project.ts), in a project whose
// node_modules/kernel-model-checker is this checkout, as a kernel developer's repository has the
// installed package (it needs dist/: npm test builds it).

import { spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheDirs, cacheFileName, cacheKey, compiledModelFile, readCacheFile } from '../../src/util/model-cache.js';
import { makeUserProject, userModelSource } from '../../bench/user-project.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kmcBin = join(root, 'bin', 'kmc.js');
const work = mkdtempSync(join(tmpdir(), 'kmc-model-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
/** A fresh project: package.json ("type": "module"), models/race.ts + models/lib/wake.ts, the package linked in. */
const project = () => makeUserProject(root, join(work, `p${n++}`));

const saved = { ...process.env };
let cacheDir: string;
beforeEach(() => {
  cacheDir = join(work, `cache${n++}`);
  process.env.KMC_CACHE_DIR = cacheDir;
  delete process.env.KMC_NO_MODEL_CACHE;
});
afterEach(() => {
  for (const k of ['KMC_CACHE_DIR', 'KMC_NO_MODEL_CACHE', 'XDG_CACHE_HOME']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

// (the step-code cache's files, src/cli/step-cache.ts, share the folder: tests/cli/step-cache.test.ts)
const files = (dir: string) => readdirSync(dir).filter((n) => !n.endsWith('.steps.json')).sort();
const ino = (path: string) => statSync(path).ino;

describe('the user project (bench/user-project.ts)', () => {
  it("its race.ts is kmc init's example with the helper and the variant \"throws\" edited in; a template the edits no longer fit is an error", () => {
    const template = readFileSync(join(root, 'templates', 'init', 'models', 'example.ts'), 'utf8');
    const race = readFileSync(project().model, 'utf8');
    expect(race).toBe(userModelSource(template));
    expect(race).toContain("import { signalDone } from './lib/wake.js';");
    expect(race).toContain("const waker = thread<S>('waker', signalDone<S>(variant === 'throws'));");
    expect(race).not.toContain("'signal_done'");
    // Everything the template says of the buggy and fixed waiters stays, line for line.
    const lines = new Set(race.split('\n'));
    const waker = template.slice(template.indexOf('    const waker'), template.indexOf('    return {'));
    expect(template.split('\n').filter((l) => !lines.has(l) && !waker.includes(l))).toEqual([]);
    expect(() => userModelSource(template.replace("func<S>('signal_done', [", "func<S>('signal_done',\n      ["))).toThrow('user model: the waker matches 0 places');
    expect(() => userModelSource(template.replace('      fixed: () =>\n', '      fixed: () =>\n      fixed: () =>\n'))).toThrow("user model: its wait_for_done() matches 2 places");
  });
});

describe('the compiled-model cache', () => {
  it('a miss bundles the model and its helper into one file (packages as file: URLs); a hit uses that file as it is', async () => {
    const p = project();
    const first = await compiledModelFile(p.model);
    expect(first).toBe(join(cacheDir, cacheFileName(p.model, cacheKey(p.model))));
    expect(files(cacheDir)).toEqual([cacheFileName(p.model, cacheKey(p.model))]); // no temporary file left
    const body = readCacheFile(first!, cacheKey(p.model))!;
    expect(body).toContain('boom from the helper'); // the helper is in the bundle
    expect(body).toContain(`from "file://${root}/dist/src/model/index.js"`); // the package stays outside, by its path
    expect(body).toMatch(/\/\/# sourceMappingURL=data:application\/json;base64,/);
    const inode = ino(first!);
    expect(await compiledModelFile(p.model)).toBe(first);
    expect(ino(first!)).toBe(inode); // not rewritten
  });

  it('a change of the model, of a helper it imports or of tsconfig.json is a miss, and replaces the previous version of that model', async () => {
    const p = project();
    const first = (await compiledModelFile(p.model))!;
    const helperText = readFileSync(p.helper, 'utf8');
    appendFileSync(p.helper, '// changed\n');
    const afterHelper = (await compiledModelFile(p.model))!;
    expect(afterHelper).not.toBe(first);
    expect(files(cacheDir)).toEqual([basename(afterHelper)]); // one file per model file
    writeFileSync(p.helper, helperText);
    expect(await compiledModelFile(p.model)).toBe(first);
    appendFileSync(p.model, '// changed\n');
    const afterModel = (await compiledModelFile(p.model))!;
    expect([first, afterHelper]).not.toContain(afterModel);
    writeFileSync(join(p.dir, 'tsconfig.json'), '{"compilerOptions":{"strict":true}}\n');
    const afterTsconfig = (await compiledModelFile(p.model))!;
    expect([first, afterHelper, afterModel]).not.toContain(afterTsconfig);
    // Another model file's entry is left alone.
    const q = project();
    const other = (await compiledModelFile(q.model))!;
    expect(files(cacheDir)).toEqual([basename(afterTsconfig), basename(other)].sort());
  });

  it('a tampered, truncated or foreign cache file is not used: the model is bundled afresh over it', async () => {
    const p = project();
    const path = (await compiledModelFile(p.model))!;
    const key = cacheKey(p.model);
    const good = readFileSync(path, 'utf8');
    const tampered = good.replace('boom from the helper', 'BOOM from elsewhere');
    expect(tampered).not.toBe(good);
    const forms = {
      tampered,
      truncated: good.slice(0, good.length >> 1),
      'no header': good.slice(good.indexOf('\n') + 1),
      foreign: good.replace(key, 'f'.repeat(64)), // another key's file under this name
    };
    for (const [what, text] of Object.entries(forms)) {
      writeFileSync(path, text);
      expect(readCacheFile(path, key), what).toBeUndefined();
      expect(await compiledModelFile(p.model), what).toBe(path);
      expect(readFileSync(path, 'utf8'), what).toBe(good);
    }
  });

  it.skipIf(process.getuid?.() !== 0)('another user\'s cache file or folder is not used (root gives them away with chown)', async () => {
    const p = project();
    const path = (await compiledModelFile(p.model))!;
    const key = cacheKey(p.model);
    const inode = ino(path);
    chownSync(path, 12345, 12345);
    expect(readCacheFile(path, key)).toBeUndefined();
    expect(await compiledModelFile(p.model)).toBe(path); // replaced by this user's file
    expect(ino(path)).not.toBe(inode);
    expect(statSync(path).uid).toBe(0);
    chownSync(dirname(path), 12345, 12345);
    expect(readCacheFile(path, key)).toBeUndefined();
    expect(await compiledModelFile(p.model)).toBeUndefined(); // the only folder allowed (KMC_CACHE_DIR) is not this user's
  });

  it('no writable cache folder: no cache and no error; the first writable of node_modules/.cache and $XDG_CACHE_HOME is used', async () => {
    const p = project();
    // A file where a folder would go: unwritable even for root (a read-only checkout and home).
    const blocked = join(work, `blocked${n++}`);
    writeFileSync(blocked, '');
    process.env.KMC_CACHE_DIR = join(blocked, 'kmc');
    expect(await compiledModelFile(p.model)).toBeUndefined();

    delete process.env.KMC_CACHE_DIR;
    process.env.XDG_CACHE_HOME = join(blocked, 'xdg');
    expect(cacheDirs(p.model)).toEqual([join(p.dir, 'node_modules', '.cache', 'kmc'), join(blocked, 'xdg', 'kmc')]);
    expect(await compiledModelFile(p.model)).toBe(join(p.dir, 'node_modules', '.cache', 'kmc', cacheFileName(p.model, cacheKey(p.model))));

    const q = project();
    writeFileSync(join(q.dir, 'node_modules', '.cache'), ''); // node_modules/.cache cannot be made
    expect(await compiledModelFile(q.model)).toBeUndefined();
    const xdg = join(work, `xdg${n++}`);
    process.env.XDG_CACHE_HOME = xdg;
    expect(await compiledModelFile(q.model)).toBe(join(xdg, 'kmc', cacheFileName(q.model, cacheKey(q.model))));

    process.env.KMC_NO_MODEL_CACHE = '1';
    expect(await compiledModelFile(p.model)).toBeUndefined();
  });

  it('a model whose sources use import.meta is not cached (bundled elsewhere it would mean another file)', async () => {
    const p = project();
    appendFileSync(p.helper, 'export const here = import.meta.url;\n');
    expect(await compiledModelFile(p.model)).toBeUndefined();
  });
});

/** `kmc ARGS` in the project, with the environment given (no cache folder of the machine's). */
function kmc(cwd: string, env: Record<string, string>, ...args: string[]) {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  if (!('KMC_CACHE_DIR' in env)) delete e.KMC_CACHE_DIR;
  return spawnSync(process.execPath, [kmcBin, ...args], { cwd, env: e, encoding: 'utf8', timeout: 120_000 });
}

interface RunJson {
  exitCode: number;
  status: string;
  run: { variant: string };
  stats?: { states: number; transitions: number; diameter: number };
  properties?: { name: string; status: string }[];
  error?: unknown;
}
const summary = (stdout: string) =>
  (JSON.parse(stdout) as RunJson[]).map((r) => ({
    variant: r.run.variant,
    exitCode: r.exitCode,
    status: r.status,
    states: r.stats?.states,
    transitions: r.stats?.transitions,
    diameter: r.stats?.diameter,
    properties: r.properties?.map((x) => `${x.name}: ${x.status}`),
  }));

/**
 * Runs the buggy variant once with the cache in `dir` (a miss: the file written), then rewrites
 * that file's body with `edit` under a header that matches it (a file kmc's check accepts).
 */
function warmAndRewrite(p: { dir: string }, dir: string, edit: (body: string) => string): void {
  expect(kmc(p.dir, { KMC_CACHE_DIR: dir }, 'check', 'models/race.ts', '--variant', 'buggy', '--quiet', '--no-traces').status).toBe(1);
  const [name] = files(dir);
  const path = join(dir, name!);
  const text = readFileSync(path, 'utf8');
  const old = text.slice(text.indexOf('\n') + 1);
  const body = edit(old);
  expect(body).not.toBe(old);
  writeFileSync(path, `${text.slice(0, text.indexOf(' body='))} body=${createHash('sha256').update(body).digest('hex')}\n${body}`);
}

describe('kmc check of a user model with and without the cache', () => {
  it('the same verdicts and counts, with one worker and with two', () => {
    const p = project();
    const env = { KMC_CACHE_DIR: join(work, `cli${n++}`) };
    for (const workers of ['1', '2']) {
      const args = ['check', 'models/race.ts', '--all', '--json', '--quiet', '--no-traces', '--workers', workers];
      const without = kmc(p.dir, { KMC_NO_MODEL_CACHE: '1' }, ...args);
      // A miss (the first run) and a hit; with two workers only a hit (the first run's file).
      const runs = workers === '1' ? [kmc(p.dir, env, ...args), kmc(p.dir, env, ...args)] : [kmc(p.dir, env, ...args)];
      expect(without.status, without.stderr).toBe(2); // the "throws" variant is an error
      const expected = summary(without.stdout);
      expect(expected.map((r) => `${r.variant} ${r.status} ${r.states ?? '-'}`)).toEqual(['buggy violated 12', 'fixed verified 15', 'throws error -']);
      for (const r of runs) {
        expect(r.status).toBe(2);
        expect(summary(r.stdout)).toEqual(expected);
      }
    }
    expect(files(env.KMC_CACHE_DIR)).toHaveLength(1);
  });

  it('a cached file naming a package that has gone is dropped and the model loads through tsx; an unwritable cache folder is no error', () => {
    const p = project();
    const dir = join(work, `cli${n++}`);
    warmAndRewrite(p, dir, (body) => body.replaceAll(`file://${root}/dist/src/`, `file://${root}/gone/dist/src/`));
    const r = kmc(p.dir, { KMC_CACHE_DIR: dir }, 'check', 'models/race.ts', '--variant', 'buggy', '--quiet', '--no-traces');
    expect(r.stdout.split('\n')[0], r.stderr).toBe('VIOLATED example --variant buggy: deadlock');
    expect(files(dir)).toEqual([]);

    const blocked = join(work, `blocked${n++}`);
    writeFileSync(blocked, '');
    const ro = kmc(p.dir, { KMC_CACHE_DIR: join(blocked, 'kmc') }, 'check', 'models/race.ts', '--variant', 'buggy', '--quiet', '--no-traces');
    expect(ro.stdout.split('\n')[0], ro.stderr).toBe('VIOLATED example --variant buggy: deadlock');
    expect(ro.stderr).toBe('');
  });

  it('the command thread and the pool workers import the cached file (a valid cache file that says otherwise is what runs)', () => {
    const p = project();
    const dir = join(work, `cli${n++}`);
    // The cached bundle rewritten: the buggy waiter's test always ends, so it returns before done
    // is set (the real model: 12 states, deadlock only).
    warmAndRewrite(p, dir, (body) => body.replace('s.done ? END : "set"', 'END'));
    for (const workers of ['1', '2']) {
      const r = kmc(p.dir, { KMC_CACHE_DIR: dir }, 'check', 'models/race.ts', '--variant', 'buggy', '--json', '--quiet', '--no-traces', '--workers', workers);
      expect(summary(`[${r.stdout}]`)[0], `--workers ${workers}`).toMatchObject({ status: 'violated', states: 6 });
      expect(summary(`[${r.stdout}]`)[0]!.properties).toContain('woken-only-when-done: violated');
    }
  });

  it('stacks and SARIF step locations name the .ts files and lines, as through tsx', () => {
    const p = project();
    writeFileSync(join(p.dir, 'models', 'bad.ts'), "const broken: { f?: () => number } = {};\n\nexport const x = broken.f!();\n");
    const script = [
      `const { importModelModule } = await import(${JSON.stringify(`file://${root}/dist/src/util/import-module.js`)});`,
      `try { await importModelModule(${JSON.stringify(join(p.dir, 'models', 'bad.ts'))}); } catch (e) { console.log(e.stack.split('\\n')[1]); }`,
      `const m = await importModelModule(${JSON.stringify(p.helper)});`,
      'try { m.boom(); } catch (e) { console.log(e.stack.split("\\n")[1]); }',
    ].join('\n');
    const stacks = (env: Record<string, string>) => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: p.dir, env: { ...process.env, ...env }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    const dir = join(work, `cli${n++}`);
    const cached = stacks({ KMC_CACHE_DIR: dir });
    expect(files(dir).length).toBeGreaterThan(0);
    expect(cached).toContain(`${join(p.dir, 'models', 'bad.ts')}:3:`);
    expect(cached).toContain(`${p.helper}:9:`); // boom's throw
    expect(stacks({ KMC_NO_MODEL_CACHE: '1' })).toBe(cached);

    const sarif = (env: Record<string, string>) => {
      const r = kmc(p.dir, env, 'check', 'models/race.ts', '--variant', 'buggy', '--quiet', '--no-traces', '--reporter', 'sarif');
      expect(r.status, r.stderr).toBe(1);
      const locs = JSON.stringify(JSON.parse(r.stdout).runs[0].results).match(/"uri":"[^"]+"},"region":\{"startLine":\d+\}/g);
      return locs;
    };
    const withCache = sarif({ KMC_CACHE_DIR: dir });
    expect(withCache).toContain('"uri":"models/lib/wake.ts"},"region":{"startLine":15}');
    expect(withCache?.some((l) => l.startsWith('"uri":"models/race.ts"'))).toBe(true);
    expect(withCache).toEqual(sarif({ KMC_NO_MODEL_CACHE: '1' }));
  });
});
