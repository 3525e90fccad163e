// Output files are never lost and never a false pass: --expect is never compared with a file
// the same run wrote, --write-expect does not drop runs an existing file covers, every output is
// written atomically (a full disk leaves the old file whole), never through a symbolic link kmc
// did not create, and every failure to write is one line with exit 2, not a stack with exit 1.
// The permission, disk-full and symlink cases run the real executable on real files.

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKmc } from '../helpers/kmc-cli.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = existsSync(join(root, 'dist', 'src', 'cli', 'main.js'));
const ABBA = resolve('tests/fixtures/models/abba.ts');
const LOST = resolve('tests/fixtures/models/lost-update.ts');
const isRoot = process.getuid?.() === 0;

const kmc = runKmc;

/** The real executable; as root, optionally as user nobody so that permissions apply. */
function proc(args: string[], o: { nobody?: boolean; shell?: string } = {}) {
  const cmd = o.shell ? ['sh', ['-c', o.shell]] : [process.execPath, [join(root, 'bin/kmc.js'), ...args]];
  const r = spawnSync(cmd[0] as string, cmd[1] as string[], { cwd: root, encoding: 'utf8', timeout: 60_000, ...(o.nobody && isRoot ? { uid: 65534, gid: 65534 } : {}) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const oneLine = (err: string) => err.trimEnd().split('\n');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kmc-outputs-'));
  chmodSync(dir, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--expect and --write-expect', () => {
  it('the same file for both is refused before any search (it would always match), and the file is untouched', async () => {
    const f = join(dir, 'same.json');
    writeFileSync(f, '{"abba":{"abba":{"states":1,"properties":{"deadlock":"holds"}}}}\n');
    const before = readFileSync(f, 'utf8');
    const r = await kmc('check', ABBA, '--variant', 'abba', '--quiet', '--no-traces', '--expect', f, '--write-expect', f);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(oneLine(r.err)).toEqual([expect.stringMatching(/--expect and --write-expect name the same file .*always pass/)]);
    expect(readFileSync(f, 'utf8')).toBe(before);
    // also under another name for the same file (a hard link, a relative path)
    const alias = join(dir, 'alias.json');
    linkSync(f, alias);
    expect((await kmc('check', ABBA, '--variant', 'abba', '--quiet', '--no-traces', '--expect', f, '--write-expect', alias)).code).toBe(2);
    expect(readFileSync(f, 'utf8')).toBe(before);
  });

  it('two files: the run is compared with the old one (a stale file fails), then the new one is written', async () => {
    const stale = join(dir, 'stale.json');
    // Stale in two places (states, deadlock); livelock as the run finds it, so that only those differ.
    writeFileSync(stale, '{"abba":{"abba":{"states":1,"properties":{"deadlock":"holds","livelock":"holds, not exercised"}}}}\n');
    const fresh = join(dir, 'fresh.json');
    const r = await kmc('check', ABBA, '--variant', 'abba', '--quiet', '--no-traces', '--expect', stale, '--write-expect', fresh);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/2 differences from .*stale\.json/);
    expect(JSON.parse(readFileSync(fresh, 'utf8')).abba.abba.properties).toEqual({ deadlock: 'violated', livelock: 'holds, not exercised' });
    expect((await kmc('check', ABBA, '--variant', 'abba', '--quiet', '--no-traces', '--expect', fresh)).code).toBe(0);
  });

  it('never silently replaces a file covering more runs than this one: exit 2 naming them; --force replaces it', async () => {
    const f = join(dir, 'wide.json');
    expect((await kmc('check', ABBA, '--variant', 'ordered', '--quiet', '--no-traces', '--write-expect', f)).code).toBe(0);
    const wide = JSON.parse(readFileSync(f, 'utf8'));
    wide['lost-update'] = { racy: { states: 9, properties: { deadlock: 'holds' } } };
    writeFileSync(f, JSON.stringify(wide));
    const before = readFileSync(f, 'utf8');
    const r = await kmc('check', ABBA, '--variant', 'ordered', '--quiet', '--no-traces', '--write-expect', f);
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toEqual([expect.stringMatching(/it has expectations for 1 model × variant run this run did not check \(lost-update racy\).*--force/)]);
    expect(readFileSync(f, 'utf8')).toBe(before);
    // a run covering what the file covers may rewrite it
    expect((await kmc('check', ABBA, '--variant', 'ordered', '--quiet', '--no-traces', '--write-expect', f, '--force')).code).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(f, 'utf8')))).toEqual(['abba']);
    expect((await kmc('check', ABBA, '--variant', 'ordered', '--quiet', '--no-traces', '--write-expect', f)).code).toBe(0);
  });

  it('a file that is not an expectations file is not replaced without --force', async () => {
    const f = join(dir, 'notes.txt');
    writeFileSync(f, 'my notes\n');
    const r = await kmc('check', ABBA, '--variant', 'ordered', '--quiet', '--no-traces', '--write-expect', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not a kmc expectations file; use --force/);
    expect(readFileSync(f, 'utf8')).toBe('my notes\n');
  });
});

describe('options that would be ignored are errors', () => {
  it('--report-file without --reporter, --html with --all, --html "", --json with --reporter on stdout', async () => {
    const cases: [string[], RegExp][] = [
      [['check', ABBA, '--report-file', join(dir, 'r.xml')], /--report-file goes with --reporter/],
      [['check', '--all', '--html', join(dir, 'all.html')], /--html goes with a single model, not --all/],
      [['check', ABBA, '--html', ''], /--html: the file name is empty/],
      [['check', ABBA, '--json', '--reporter', 'junit'], /--json and --reporter both print a document on stdout/],
      [['check', ABBA, '--trace-dir', ''], /--trace-dir: the directory name is empty/],
    ];
    for (const [args, message] of cases) {
      const r = await kmc(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toBe('');
      expect(oneLine(r.err)).toEqual([expect.stringMatching(message)]);
    }
    expect(existsSync(join(dir, 'r.xml'))).toBe(false);
  });
});

describe('output files', () => {
  it('check and simulate write different trace file names', async () => {
    const d = join(dir, 'names');
    expect((await kmc('check', LOST, '--variant', 'racy', '--quiet', '--trace-dir', d)).code).toBe(1);
    expect((await kmc('simulate', LOST, '--variant', 'racy', '--seed', '1', '--runs', '200', '--trace-dir', d)).code).toBe(1);
    expect(readdirSync(d).sort()).toEqual(['lost-update--racy--no-lost-update.itf.json', 'lost-update--racy--no-lost-update.simulate.itf.json']);
  });

  it('a file in the way of a trace that kmc did not write is kept unless --force; no temporary file is left', async () => {
    const d = join(dir, 'inway');
    mkdirSync(d);
    const f = join(d, 'abba--abba--deadlock.itf.json');
    writeFileSync(f, 'precious\n');
    const r = await kmc('check', ABBA, '--variant', 'abba', '--quiet', '--trace-dir', d);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot write trace file .*: the file there is not a kmc trace file; use --force/);
    expect(readFileSync(f, 'utf8')).toBe('precious\n');
    expect((await kmc('check', ABBA, '--variant', 'abba', '--quiet', '--trace-dir', d, '--force')).code).toBe(1);
    expect(readFileSync(f, 'utf8')).toContain('"kmc-trace"');
    expect(readdirSync(d)).toEqual(['abba--abba--deadlock.itf.json']);
  });

  it('--trace-dir under a regular file, --html into a directory: one line, exit 2', async () => {
    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    const a = await kmc('check', ABBA, '--variant', 'abba', '--quiet', '--trace-dir', join(file, 'traces'));
    expect(a.code).toBe(2);
    expect(oneLine(a.err)).toEqual([expect.stringMatching(/^kmc: cannot create --trace-dir .*plain\/traces: /)]);
    const b = await kmc('check', ABBA, '--variant', 'abba', '--quiet', '--no-traces', '--html', dir);
    expect(b.code).toBe(2);
    expect(oneLine(b.err)).toEqual([expect.stringMatching(/^kmc: cannot write --html file .*: it is a directory$/)]);
  });

  it.skipIf(!built)('a symbolic link planted in the trace directory is not followed: its target is untouched (real process)', () => {
    const d = join(dir, 'planted');
    mkdirSync(d);
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'do not overwrite\n');
    symlinkSync(victim, join(d, 'abba--abba--deadlock.itf.json'));
    const r = proc(['check', ABBA, '--variant', 'abba', '--quiet', '--trace-dir', d]);
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toEqual([expect.stringMatching(/cannot write trace file .*: it is a symbolic link, which kmc did not create/)]);
    expect(readFileSync(victim, 'utf8')).toBe('do not overwrite\n');
    // --force replaces the link itself, never what it points to
    expect(proc(['check', ABBA, '--variant', 'abba', '--quiet', '--trace-dir', d, '--force']).code).toBe(1);
    expect(readFileSync(victim, 'utf8')).toBe('do not overwrite\n');
    expect(statSync(join(d, 'abba--abba--deadlock.itf.json')).isFile()).toBe(true);
  });

  it.skipIf(!built)('/dev/full as --html, --report-file, --write-expect and replay --html: one line naming the file, exit 2 (real process)', () => {
    const trace = join(dir, 'full-traces');
    expect(proc(['check', ABBA, '--variant', 'abba', '--quiet', '--trace-dir', trace]).code).toBe(1);
    for (const args of [
      ['check', ABBA, '--variant', 'ordered', '--quiet', '--no-traces', '--html', '/dev/full'],
      ['check', ABBA, '--variant', 'ordered', '--quiet', '--no-traces', '--reporter', 'junit', '--report-file', '/dev/full'],
      ['check', ABBA, '--variant', 'ordered', '--quiet', '--no-traces', '--write-expect', '/dev/full'],
      ['replay', join(trace, 'abba--abba--deadlock.itf.json'), '--model', ABBA, '--html', '/dev/full'],
    ]) {
      const r = proc(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(oneLine(r.err).filter((l) => l.startsWith('kmc: cannot write'))).toEqual([expect.stringMatching(/^kmc: cannot write .* \/dev\/full: no space left on device$/)]);
      expect(r.err).not.toMatch(/\n\s+at /); // no stack
    }
  });

  it.skipIf(!built || !isRoot)('a read-only directory for every output path: one line, exit 2, no stack (real process, as user nobody)', () => {
    const ro = join(dir, 'readonly');
    mkdirSync(ro);
    const trace = join(dir, 'ro-traces');
    expect(proc(['check', ABBA, '--variant', 'abba', '--quiet', '--trace-dir', trace]).code).toBe(1);
    chmodSync(trace, 0o755);
    chmodSync(join(trace, 'abba--abba--deadlock.itf.json'), 0o644);
    chmodSync(ro, 0o555);
    for (const [args, what] of [
      [['check', ABBA, '--variant', 'abba', '--quiet', '--trace-dir', join(ro, 't')], '--trace-dir'],
      [['check', ABBA, '--variant', 'abba', '--quiet', '--trace-dir', ro], 'trace file'],
      [['check', ABBA, '--variant', 'ordered', '--quiet', '--html', join(ro, 'p.html')], '--html file'],
      [['check', ABBA, '--variant', 'ordered', '--quiet', '--reporter', 'sarif', '--report-file', join(ro, 'r.sarif')], '--report-file'],
      [['check', ABBA, '--variant', 'ordered', '--quiet', '--write-expect', join(ro, 'e.json')], '--write-expect file'],
      [['replay', join(trace, 'abba--abba--deadlock.itf.json'), '--model', ABBA, '--html', join(ro, 'r.html')], '--html file'],
    ] as const) {
      const r = proc([...args], { nobody: true });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(oneLine(r.err).filter((l) => l.startsWith('kmc: cannot'))).toEqual([expect.stringMatching(new RegExp(`^kmc: cannot (write|create) ${what} .*: permission denied$`))]);
    }
    expect(readdirSync(ro)).toEqual([]);
  });

  // A private mount namespace with a 256 KiB tmpfs: a real full disk, gone when the process ends.
  const canMount = isRoot && built && spawnSync('unshare', ['-m', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d"']).status === 0;
  it.skipIf(!canMount)('on a full disk an earlier HTML page stays whole (atomic write), exit 2 with one line (real process, tmpfs)', () => {
    const mnt = join(dir, 'small');
    mkdirSync(mnt);
    const page = join(mnt, 'page.html');
    const kmcCmd = `${process.execPath} ${join(root, 'bin/kmc.js')} check ${ABBA} --variant abba --quiet --no-traces --html ${page}`;
    const script = [
      `mount -t tmpfs -o size=256k tmpfs ${mnt}`,
      `printf '<title>kmc: earlier</title>good page\\n' > ${page}`,
      `dd if=/dev/zero of=${mnt}/fill bs=4k 2>/dev/null`,
      `${kmcCmd}; echo "rc=$?"`,
      `echo "page=$(cat ${page})"`,
    ].join('; ');
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toContain('rc=2');
    expect(r.stdout).toContain('page=<title>kmc: earlier</title>good page');
    expect(oneLine(r.stderr)).toEqual([expect.stringMatching(/^kmc: cannot write --html file .*page\.html: no space left on device$/)]);
  });
});
