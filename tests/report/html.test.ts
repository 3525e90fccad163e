// The trace page: structure, and a real render in headless Chromium (Debian's `chromium`, which
// .ci/run installs) with a screenshot kept in test-artifacts/.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/engine/check.js';
import { compileModel } from '../../src/model/compile.js';
import { renderHtml } from '../../src/report/html.js';
import * as tb from '../fixtures/textbook.js';

function page(): string {
  const r = check(tb.abba, tb.abbaProps, { variant: 'abba' });
  const r2 = check(tb.lostUpdate, tb.lostUpdateProps, { variant: 'racy' });
  if (r.status !== 'violated' || r2.status !== 'violated') throw new Error('expected violations');
  return renderHtml(
    [
      { model: compileModel(tb.abba, { variant: 'abba' }), violation: r.violations[0]! },
      { model: compileModel(tb.lostUpdate, { variant: 'racy' }), violation: r2.violations[0]! },
    ],
    'kmc: textbook counterexamples',
  );
}

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('trace page', () => {
  it('has a lane per thread, a box per step with its C label, diffs and the broken property', () => {
    const html = page();
    expect(html).toContain('<div class="lane-head">t0</div><div class="lane-head">t1</div>');
    expect(html).toContain('lock_ab: spin_lock(&amp;A)');
    expect(html).toMatch(/Property <code>deadlock<\/code> \(deadlock\) violated after 2 steps/);
    expect(html).toContain('<code>counter</code> 0 → <b>1</b>');
    expect(html).toContain('class="step broken"');
    expect(html).not.toMatch(/<(link|img)[^>]+(href|src)="http/); // self-contained
  });

  it.runIf(process.env.CI === 'true' || CHROMIUM !== undefined)('renders in headless Chromium: the script shows the final state; screenshot kept', () => {
    if (!CHROMIUM) throw new Error('chromium is not installed (apt-get install chromium; .ci/run does it)');
    const dir = mkdtempSync(join(tmpdir(), 'kmc-html-'));
    const file = join(dir, 'trace.html');
    writeFileSync(file, page());
    const profile = join(dir, 'profile');
    const dom = execFileSync(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, '--dump-dom', `file://${file}`], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
    // The page's script ran: each trace's state panel shows the state after its last step.
    expect(dom).toContain('State after step 2:');
    expect(dom).toContain('State after step 4:');
    expect(dom).toContain('a.holder = 0');
    mkdirSync('test-artifacts', { recursive: true });
    const png = join(process.cwd(), 'test-artifacts', 'trace-page.png');
    execFileSync(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, `--screenshot=${png}`, '--window-size=1280,900', `file://${file}`], { timeout: 60_000, stdio: 'ignore' });
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes.readUInt32BE(16)).toBe(1280); // width from the IHDR chunk
    expect(bytes.length).toBeGreaterThan(10_000); // a rendered page, not a blank image
  });
});
