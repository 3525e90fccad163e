// src/util/bundle.ts: when a bundle may be used. (tests/cli/bundle.test.ts runs the CLI with and
// without the bundles and compares what it prints.)

import { describe, expect, it } from 'vitest';
import { bundleFresh, bundleRefusal, cacheTrusted } from '../../src/util/bundle.js';

describe('bundleFresh', () => {
  const times: Record<string, number> = { a: 100, b: 200 };
  const mtimeOf = (f: string) => (Object.hasOwn(times, f) ? times[f] : undefined);
  it('holds for a bundle built after each of its inputs', () => {
    expect(bundleFresh(200, ['a', 'b'], mtimeOf)).toBe(true);
  });
  it('fails when an input changed after the bundle was built (tsc without the bundler)', () => {
    expect(bundleFresh(150, ['a', 'b'], mtimeOf)).toBe(false);
  });
  it('fails when an input is gone, or the manifest lists none', () => {
    expect(bundleFresh(300, ['a', 'gone'], mtimeOf)).toBe(false);
    expect(bundleFresh(300, [], mtimeOf)).toBe(false);
  });
});

describe('bundleRefusal', () => {
  it('names KMC_NO_BUNDLE=1', () => {
    expect(bundleRefusal({ KMC_NO_BUNDLE: '1' })).toBe('KMC_NO_BUNDLE=1');
  });
  it('refuses under source maps, or allows only a Node that can require an ES module', () => {
    const r = bundleRefusal({});
    if (process.sourceMapsEnabled) expect(r).toBe('source maps are on');
    else expect(r).toBe(process.features.require_module === true ? undefined : 'this Node cannot require an ES module');
  });
});

describe('cacheTrusted', () => {
  it('reads a code cache of the bundle\'s owner that no one else can write', () => {
    expect(cacheTrusted({ uid: 1000, mode: 0o100644 }, { uid: 1000 })).toBe(true);
  });
  it('not one another user owns, nor one its group or others can write', () => {
    expect(cacheTrusted({ uid: 1001, mode: 0o100644 }, { uid: 1000 })).toBe(false);
    expect(cacheTrusted({ uid: 1000, mode: 0o100664 }, { uid: 1000 })).toBe(false);
    expect(cacheTrusted({ uid: 1000, mode: 0o100646 }, { uid: 1000 })).toBe(false);
  });
});
