// Fuzzing the trace-file reader and the option parser (fast-check), mostly in-process for
// speed, a few cases as real processes. Whatever the input: the exit code is 0, 1, 2 or 3; exit
// 2 is exactly one line on stderr; nothing is written outside the output paths the command line
// names; no code runs that the command line did not name (every trace names, as its source, a
// module that would leave a marker file); no raw control character reaches the terminal.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKmc } from '../helpers/kmc-cli.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = existsSync(join(root, 'dist', 'src', 'cli', 'supervise.js'));
const ABBA = resolve('tests/fixtures/models/abba.ts');
const CONTROL = /[\u0000-\u0008\u000b-\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let dir: string;
let marker: string;
let evil: string;
let good: any;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kmc-fuzz-'));
  marker = join(dir, 'CODE-RAN');
  evil = join(dir, 'evil.mjs');
  writeFileSync(evil, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'x');\nexport default {};\n`);
  const r = await kmc(['check', ABBA, '--variant', 'abba', '--quiet', '--trace-dir', join(dir, 'seed')]);
  expect(r.code).toBe(1);
  good = JSON.parse(readFileSync(join(dir, 'seed', 'abba--abba--deadlock.itf.json'), 'utf8'));
  good['#meta'].source = evil;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kmc = (args: string[]) => runKmc(...args);

/** Every file under `d`, relative to it. */
function tree(d: string): string[] {
  if (!existsSync(d)) return [];
  return readdirSync(d).flatMap((f) => {
    const p = join(d, f);
    return statSync(p).isDirectory() ? tree(p).map((x) => join(f, x)) : [f];
  });
}

function expectSane(r: { code: number; out: string; err: string }, what: string) {
  expect([0, 1, 2, 3], what).toContain(r.code);
  if (r.code === 2) expect(r.err.trimEnd().split('\n'), `${what}\n${r.err}`).toHaveLength(1);
  expect(r.out + r.err, what).not.toMatch(CONTROL);
  expect(existsSync(marker), what).toBe(false);
}

// ---- trace files ------------------------------------------------------------------------------

const nasty = fc.oneof(
  fc.constantFrom('constructor', '__proto__', 'valueOf', 'toString', '', 'abba', 'ordered', '\u001b[2J', 'x\u009b31m', '\u202e', '0/1', '#bigint'),
  fc.string({ maxLength: 12 }),
);
const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  nasty,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant({ '#bigint': '99999999999999999999' }),
  fc.constant({ '#set': [] }),
  fc.constant(Array.from({ length: 3 }, () => [[[]]])),
  fc.dictionary(nasty, fc.oneof(nasty, fc.integer()), { maxKeys: 3 }),
);

type Mutation = { kind: 'set'; path: number[]; value: unknown } | { kind: 'delete'; path: number[] } | { kind: 'text'; how: 'truncate' | 'bom' | 'deep' | 'garbage'; at: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), path: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), value: jsonValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), path: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), how: fc.constantFrom('truncate' as const, 'bom' as const, 'deep' as const, 'garbage' as const), at: fc.nat() }) },
);

/** Walk `path` (indices into the keys of each object / array) and change what is there. */
function mutate(doc: any, m: Mutation): string {
  if (m.kind === 'text') {
    const text = JSON.stringify(doc);
    const at = m.at % (text.length + 1);
    if (m.how === 'truncate') return text.slice(0, at);
    if (m.how === 'bom') return '\ufeff' + text;
    if (m.how === 'deep') return text.slice(0, at) + '['.repeat(3000) + ']'.repeat(3000) + text.slice(at);
    return text.slice(0, at) + '\u0000\u001b\ud800garbage' + text.slice(at);
  }
  let node = doc;
  for (let i = 0; i < m.path.length; i++) {
    if (node === null || typeof node !== 'object') break;
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const k = keys[m.path[i]! % keys.length]!;
    if (i === m.path.length - 1 || node[k] === null || typeof node[k] !== 'object') {
      if (m.kind === 'delete') delete node[k];
      else Object.defineProperty(node, k, { value: m.value, enumerable: true, writable: true, configurable: true });
      break;
    }
    node = node[k];
  }
  return JSON.stringify(doc);
}

describe('fuzz: kmc replay on mutated trace files', () => {
  it('exit 0-3, one line for 2, nothing written, no code loaded, nothing raw on the terminal', async () => {
    let n = 0;
    const codes = new Set<number>();
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.constantFrom<string[]>([], ['--model', ABBA], ['--model', ABBA, '--variant', 'ordered'], ['--json'], ['--model', ABBA, '--json']), async (ms, extra) => {
        const doc = structuredClone(good);
        let text = JSON.stringify(doc);
        for (const m of ms) text = mutate(JSON.parse(JSON.stringify(doc)), m) ?? text;
        const sub = join(dir, `replay-${n++}`);
        mkdirSync(sub);
        const file = join(sub, 'trace.itf.json');
        writeFileSync(file, text);
        const r = await kmc(['replay', file, ...extra]);
        codes.add(r.code);
        expectSane(r, `replay ${extra.join(' ')} with ${JSON.stringify(ms).slice(0, 300)}`);
        expect(tree(sub)).toEqual(['trace.itf.json']);
      }),
      { numRuns: 150, seed: 10 },
    );
    // The mutations reach past the reader: some files still replay (exit 1), most are refused (2).
    expect(codes.has(1) && codes.has(2)).toBe(true);
  });
});

// ---- the option parser ------------------------------------------------------------------------

const value = fc.oneof(
  fc.constantFrom('0', '1', '-1', '5', '100k', '1e9', '600h', '1M', '64M', '4G', '99999999999999999999', 'NaN', '', ' ', 'constructor', '__proto__=1', 'cpus=2', 'x=', 'abba', 'ordered', 'json', 'junit', 'sarif', '\u001b[31m'),
  fc.string({ maxLength: 6 }),
);
const option = fc.oneof(
  fc.constantFrom('--variant', '--param', '--property', '--max-states', '--max-depth', '--max-time', '--max-memory', '--workers', '--preemption-bound', '--reporter', '--seed', '--runs', '--depth', '--from', '--to').chain((o) => value.map((v) => [o, v])),
  fc.constantFrom('--json', '--quiet', '--first', '--no-por', '--no-symmetry', '--markdown', '--all', '--force', '--step', '--debug', '--nope', '-x').map((o) => [o]),
  fc.constantFrom('--html', '--report-file', '--write-expect', '--expect').map((o) => [o, `OUT:${o.slice(2)}`]),
);
const command = fc.constantFrom('check', 'simulate', 'prove', 'replay', 'list', 'frobnicate');
const model = fc.constantFrom(ABBA, 'abba', 'constructor', '', 'no-such-model', `${ABBA}x`);

describe('fuzz: the option parser', () => {
  it('exit 0-3, one line for 2, files only at the named output paths, no code loaded', async () => {
    let n = 0;
    const codes = new Set<number>();
    await fc.assert(
      fc.asyncProperty(command, model, fc.array(option, { maxLength: 4 }), async (cmd, m, opts) => {
        const sub = join(dir, `opts-${n++}`);
        mkdirSync(sub);
        const named = new Set<string>();
        const args = opts.flat().map((a) => {
          if (!a.startsWith('OUT:')) return a;
          const f = join(sub, a.slice(4));
          named.add(relative(sub, f));
          return f;
        });
        // Bounded, and never writing into the working directory: traces go to sub/traces.
        const argv = [cmd, m, ...args, '--trace-dir', join(sub, 'traces'), '--max-states', '2000', ...(cmd === 'simulate' ? ['--runs', '20'] : [])];
        const cwdBefore = readdirSync('.').sort();
        const r = await kmc(argv);
        codes.add(r.code);
        expectSane(r, argv.join(' '));
        for (const f of tree(sub)) expect(named.has(f) || f.startsWith('traces'), `${argv.join(' ')} wrote ${f}`).toBe(true);
        expect(readdirSync('.').sort()).toEqual(cwdBefore);
      }),
      { numRuns: 200, seed: 11 },
    );
    // Not only refusals: some command lines run a check or a replay to a verdict.
    expect(codes.has(2) && (codes.has(0) || codes.has(1) || codes.has(3))).toBe(true);
  });
});

describe.skipIf(!built)('fuzz samples as real processes', () => {
  it('a few mutated traces through bin/kmc.js: exit 0-3, one line for 2, no code loaded', () => {
    const samples = fc.sample(fc.array(mutation, { minLength: 1, maxLength: 3 }), { numRuns: 4, seed: 12 });
    samples.forEach((ms, i) => {
      let text = JSON.stringify(good);
      for (const m of ms) text = mutate(JSON.parse(JSON.stringify(good)), m);
      const file = join(dir, `proc-${i}.itf.json`);
      writeFileSync(file, text);
      const p = spawnSync(process.execPath, ['bin/kmc.js', 'replay', file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expectSane({ code: p.status ?? -1, out: p.stdout, err: p.stderr }, JSON.stringify(ms));
    });
  });
});
