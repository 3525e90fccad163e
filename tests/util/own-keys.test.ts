// Names from the command line or a file are looked up as own keys only (src/util/own.ts): a
// scan of src/ for the lookups that would find Object.prototype's members, and the CLI refusing
// those members as variant, parameter, property and model names with one line and exit 2.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKmc } from '../helpers/kmc-cli.js';
import { hasOwnKey, ownKey, setOwn } from '../../src/util/own.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Source text with comments and string/template literals blanked (same line numbers). */
export function codeOnly(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, (m) => m.replace(/[^\n]/g, ' '));
}

/** The lookups that may find an inherited member: `name in record`, `x.variants[name]`, `x.params[name]`. */
export function prototypeLookups(code: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  codeOnly(code)
    .split('\n')
    .forEach((l, i) => {
      const stripped = l.replace(/for\s*\(\s*(const|let|var)\s+[^)]*?\s+in\s+/g, '').replace(/\[\s*\w+\s+in\s+keyof\b/g, '');
      if (/[\w)\]]\s+in\s+[\w(]/.test(stripped) || /\.(variants|params|properties)\s*(\?\.)?\[/.test(stripped)) out.push({ line: i + 1, text: l.trim() });
    });
  return out;
}

// Lookups of names that come from the model's own code, not from a user or a file, and why.
const ALLOWED: Record<string, string> = {
  'src/model/codec.ts': "keys of the model's own state shape, checked against a state object the model returned",
  'src/model/layout.ts': 'VIEW_NODE is a symbol of ours, not a name',
};

describe('own-key lookups (scan of src/)', () => {
  it('finds the bare forms it forbids (so it can fail)', () => {
    expect(prototypeLookups("if (!(variant in def.variants)) throw x;\nconst spec = def.params[k];\nfor (const k in o) {}\n// a in b\nconst s = 'x in y';")).toEqual([
      { line: 1, text: 'if (!(variant in def.variants)) throw x;' },
      { line: 2, text: 'const spec = def.params[k];' },
    ]);
  });

  it('no lookup in src/ can find an inherited member, except the listed model-internal ones', () => {
    const root = resolve('src');
    const found = files(root).flatMap((f) => {
      const rel = `src/${relative(root, f)}`;
      if (hasOwnKey(ALLOWED, rel)) return [];
      return prototypeLookups(readFileSync(f, 'utf8')).map((x) => `${rel}:${x.line}: ${x.text}`);
    });
    expect(found).toEqual([]);
  });

  it('ownKey, hasOwnKey and setOwn', () => {
    const r: Record<string, number> = { a: 1 };
    expect(ownKey(r, 'a')).toBe(1);
    expect(ownKey(r, 'constructor')).toBeUndefined();
    expect(hasOwnKey(r, 'toString')).toBe(false);
    setOwn(r, '__proto__', 2);
    expect(Object.keys(r)).toEqual(['a', '__proto__']);
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
  });
});

const kmc = runKmc;

const ABBA = resolve('tests/fixtures/models/abba.ts');
const NAMES = ['constructor', '__proto__', 'valueOf', 'toString', 'hasOwnProperty'];
let dir: string;
let trace: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kmc-own-'));
  expect((await kmc('check', ABBA, '--variant', 'abba', '--quiet', '--trace-dir', dir)).code).toBe(1);
  trace = join(dir, 'abba--abba--deadlock.itf.json');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Object.prototype member names are not names (exit 2, one line)', () => {
  const refused = async (args: string[], message: RegExp) => {
    const r = await kmc(...args);
    expect(r.code, args.join(' ')).toBe(2);
    expect(r.err.split('\n'), args.join(' ')).toEqual([expect.stringMatching(message)]);
  };

  it('as a variant, a parameter, a property and a model on the command line', async () => {
    for (const n of NAMES) {
      await refused(['check', ABBA, '--variant', n, '--quiet'], new RegExp(`has no variant '${n}'`));
      await refused(['check', ABBA, '--param', `${n}=1`, '--quiet'], new RegExp(`has no parameter '${n}'`));
      await refused(['check', ABBA, '--property', n, '--quiet'], new RegExp(`has no property '${n}'`));
      await refused(['check', n, '--quiet'], new RegExp(`unknown model '${n}'`));
      await refused(['prove', ABBA, '--from', 'abba', '--to', n, '--quiet'], new RegExp(`has no variant '${n}'`));
      await refused(['simulate', ABBA, '--variant', n, '--runs', '1'], new RegExp(`has no variant '${n}'`));
      await refused(['replay', trace, '--model', ABBA, '--variant', n], new RegExp(`has no variant '${n}'`));
      await refused(['replay', ABBA, '0/1', '--variant', n], new RegExp(`has no variant '${n}'`));
    }
  });

  it("as a trace file's variant or parameter", async () => {
    for (const n of NAMES) {
      const j = JSON.parse(readFileSync(trace, 'utf8'));
      j['#meta'].variant = n;
      const f = join(dir, 'variant.itf.json');
      writeFileSync(f, JSON.stringify(j));
      await refused(['replay', f, '--model', ABBA], new RegExp(`has no variant '${n}'`));
      const k = JSON.parse(readFileSync(trace, 'utf8'));
      const g = join(dir, 'param.itf.json');
      setOwn(k['#meta'].params, n, 1);
      writeFileSync(g, JSON.stringify(k));
      expect(readFileSync(g, 'utf8')).toContain(`"params":{"${n}":1`);
      await refused(['replay', g, '--model', ABBA], new RegExp(`has no parameter '${n}'`));
    }
  });
});
