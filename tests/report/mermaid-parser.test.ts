// Every Mermaid diagram kmc emits (the ```mermaid blocks of `kmc prove --markdown`) goes through
// the real Mermaid parser and renderer: the mermaid package (a pinned devDependency), loaded from
// node_modules into a page in headless Chromium (Debian's `chromium`, which .ci/run installs).
// @mermaid-js/parser alone would not do: it has no grammar for sequence diagrams, the only
// kind kmc writes. A deliberately broken diagram must be rejected, so the check cannot pass
// by accepting everything. Off CI without chromium the test is skipped, saying why.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundled } from '../../models/index.js';
import { prove } from '../../src/engine/prove.js';
import { choice, defineModel, step, thread } from '../../src/model/index.js';
import type { ModelDef } from '../../src/model/types.js';
import { assertion, defineProperties, invariant } from '../../src/property/index.js';
import type { PropertySet } from '../../src/property/types.js';
import { renderProveMarkdown } from '../../src/report/prove.js';
import { sequenceDiagram } from '../../src/report/mermaid.js';
import { abba, abbaProps, lostUpdate, lostUpdateProps, peterson, petersonProps } from '../fixtures/textbook.js';
import { pinnedCounter, pinnedCounterProps } from '../fixtures/choices.js';
import { spinner, spinnerProps } from '../fixtures/liveness-textbook.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const MERMAID = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');

// Labels, thread names and messages with everything Mermaid's sequence grammar treats specially:
// ';' ends a statement, '#' starts an entity code, '%%' a comment, '<' '>' HTML, ':' the note
// text, '-->>' and '+'/'-' arrows and activations, 'end' and 'note' keywords, braces, quotes.
type W = { x: number; flag: boolean };
const weird = defineModel<W>({
  name: 'weird',
  doc: 'text Mermaid must not take for syntax',
  params: {},
  variants: { buggy: 'x++ unguarded', fixed: 'x++ under a lock' },
  build: ({ variant }) => ({
    init: { x: 0, flag: false },
    threads: [
      thread<W>('cpu0/irq; end', [
        step('a', `f<T>: if (a < b && c > "d") { x++; } %% not a comment #1 %%{init: {"theme": "dark"}}%% &amp; &#59; 'q' \\ | -->> T1: alt loop end`, { run: (d) => void (d.x += 1) }),
        step('b', "g: note over T0: end; loop -->> alt 'q' \\ | &amp;", {
          run: (d, env) => {
            env.warnOn(d.x > 1, 'x-big');
            d.flag = true;
          },
        }),
      ]),
      thread<W>('cpu1 -->> cpu0: "end"', [
        choice<W>('c', [
          { label: 'h: x += 1 [on cpu0; #59;]', guard: (s) => variant === 'buggy' || !s.flag, run: (d) => void (d.x += 1) },
          { label: 'h: %%{init: {"theme": "forest"}}%%', run: () => undefined },
        ]),
      ]),
    ],
  }),
});
const weirdProps = defineProperties<W>('weird', [
  invariant('x<2; "end"', 'x stays below 2 #; %%', (s) => s.vars.x < 2, () => 'x >= 2; end; note over T0: <b>#</b>'),
  assertion('x-big', 'WARN_ON(x > 1)', 'x-big'),
]);

interface Proof {
  def: ModelDef;
  props: PropertySet;
  from: string;
  to: string;
  params?: Record<string, number | boolean>;
}

const byName = (name: string) => bundled.find((e) => e.model.name === name)!;
const kvm = { reboot: false, suspend: false, enableCanFail: false };
const proofs: Proof[] = [
  { def: abba, props: abbaProps, from: 'abba', to: 'ordered' },
  { def: lostUpdate, props: lostUpdateProps, from: 'racy', to: 'atomic' },
  { def: peterson, props: petersonProps, from: 'broken', to: 'correct' },
  { def: pinnedCounter, props: pinnedCounterProps, from: 'racy', to: 'locked' },
  { def: weird, props: weirdProps, from: 'buggy', to: 'fixed' },
  // A liveness counterexample: its lasso's loop is a Mermaid loop block.
  { def: spinner, props: spinnerProps, from: 'buggy', to: 'fixed' },
  ...['hypothetical-mix', 'patch-1', 'patch-2', 'v4.10'].map((to) => ({ def: byName('kvm-hotplug').model, props: byName('kvm-hotplug').properties, from: 'v2.6.37', to, params: kvm })),
  { def: byName('pm-freeze').model, props: byName('pm-freeze').properties, from: 'freeze-run-bit', to: 'driver-suspend' },
  { def: byName('xen-remove-from-physmap').model, props: byName('xen-remove-from-physmap').properties, from: 'ia64-hunk-on-x86', to: 'reviewed' },
  { def: byName('kvm-intx-mask').model, props: byName('kvm-intx-mask').properties, from: 'v1', to: 'merged' },
  { def: byName('sched-delayed-dequeue').model, props: byName('sched-delayed-dequeue').properties, from: 'delayed-dequeue', to: 'task_is_runnable' },
];

/** Mermaid's entity codes and line breaks back to the text kmc meant. */
function unescape(s: string): string {
  return s.replace(/<br\/>/g, '\n').replace(/#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

/** The text lines of every note of a diagram, and its participants' names, as kmc meant them. */
function meant(diagram: string): { notes: string[]; actors: string[] } {
  const lines = diagram.split('\n');
  return {
    notes: lines.flatMap((l) => (l.startsWith('    Note over ') ? unescape(l.slice(l.indexOf(': ') + 2)).split('\n') : [])),
    actors: lines.flatMap((l) => (l.startsWith('    participant ') ? [unescape(l.slice(l.indexOf(' as ') + 4))] : [])),
  };
}

/** The ```mermaid blocks of a Markdown text. */
function mermaidBlocks(md: string): string[] {
  return [...md.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1]!);
}

interface Result {
  parsed: boolean;
  type?: string;
  error?: string;
  rendered?: boolean;
  notes?: number;
  /** The text of each line of each note, in order. */
  noteTexts?: string[];
  /** The participants' names. */
  actors?: string[];
  renderError?: string;
}

/** mermaid.parse (and mermaid.render for what parses) on each diagram, in one Chromium page. */
function runInChromium(chromium: string, diagrams: readonly string[]): Result[] {
  const dir = mkdtempSync(join(tmpdir(), 'kmc-mermaid-'));
  try {
    const page = join(dir, 'parse.html');
    // The results go out URI-encoded, so that --dump-dom's HTML escaping cannot touch them.
    writeFileSync(
      page,
      `<!doctype html><html><head><meta charset="utf-8"><script src="${pathToFileURL(MERMAID).href}"></script></head><body>
<script type="application/json" id="diagrams">${JSON.stringify(diagrams).replace(/</g, '\\u003c')}</script>
<pre id="results">pending</pre>
<div id="scratch"></div>
<script>
(async () => {
  const out = [];
  try {
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
    const diagrams = JSON.parse(document.getElementById('diagrams').textContent);
    for (let i = 0; i < diagrams.length; i++) {
      const r = {};
      try {
        const p = await mermaid.parse(diagrams[i]);
        r.parsed = true;
        r.type = p && p.diagramType;
      } catch (e) {
        r.parsed = false;
        r.error = String((e && e.message) || e);
      }
      if (r.parsed) {
        try {
          const { svg } = await mermaid.render('d' + i, diagrams[i], document.getElementById('scratch'));
          const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
          r.rendered = true;
          r.notes = doc.querySelectorAll('rect.note').length;
          r.noteTexts = [...doc.querySelectorAll('text.noteText')].map((t) => t.textContent);
          r.actors = [...new Set([...doc.querySelectorAll('text.actor')].map((t) => t.textContent))];
        } catch (e) {
          r.rendered = false;
          r.renderError = String((e && e.message) || e);
        }
      }
      out.push(r);
    }
    document.getElementById('results').textContent = encodeURIComponent(JSON.stringify(out));
  } catch (e) {
    document.getElementById('results').textContent = encodeURIComponent(JSON.stringify({ fatal: String(e) }));
  }
})();
</script></body></html>`,
    );
    const dom = execFileSync(chromium, [...FLAGS, `--user-data-dir=${join(dir, 'profile')}`, '--virtual-time-budget=30000', '--dump-dom', pathToFileURL(page).href], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const m = /<pre id="results">([^<]*)<\/pre>/.exec(dom);
    if (!m) throw new Error('the page wrote no results');
    if (m[1] === 'pending') throw new Error('the page did not finish (did mermaid.min.js load?)');
    const results = JSON.parse(decodeURIComponent(m[1]!));
    if (!Array.isArray(results)) throw new Error(`the page failed: ${results.fatal}`);
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Mermaid diagrams in the real Mermaid parser', () => {
  it('every diagram kmc prove --markdown emits parses and renders, and a broken one is rejected', (ctx) => {
    if (!CHROMIUM) {
      const reason = 'chromium is not installed (apt-get install chromium; .ci/run does it), so the Mermaid diagrams are not parsed';
      if (process.env.CI === 'true') throw new Error(reason);
      console.warn(`skipped: ${reason}`);
      ctx.skip(reason);
      return;
    }
    const diagrams: { name: string; text: string }[] = [];
    for (const p of proofs) {
      const r = prove(p.def, p.props, { from: p.from, to: p.to, params: p.params ?? {} });
      const blocks = mermaidBlocks(renderProveMarkdown(r, 'Checked with kmc prove'));
      expect(blocks.length, `${p.def.name} ${p.from} -> ${p.to}`).toBe(r.onFixed ? 2 : r.counterexample ? 1 : 0);
      blocks.forEach((text, i) => diagrams.push({ name: `${p.def.name} ${p.from} -> ${p.to}, diagram ${i + 1}`, text }));
    }
    expect(diagrams.length).toBeGreaterThanOrEqual(2 * proofs.length - 2);
    // The weird model's text reached its diagrams (else the escaping went untested).
    const weirdText = diagrams.filter((d) => d.name.startsWith('weird')).map((d) => unescape(d.text)).join('\n');
    for (const s of ['%%{init', '&amp;', 'x >= 2; end; note over T0: <b>#</b>', "'q' \\ |", 'cpu1 -->> cpu0: "end"']) expect(weirdText).toContain(s);
    expect(diagrams.find((d) => d.name.startsWith('spinner'))?.text).toMatch(/\n    loop ↻ steps 2\.\.3 [^\n]*\n(    Note over [^\n]*\n)+    end\n/);
    // What kmc would write without escaping: a raw ';' ends the note, and the rest is not a statement.
    const broken = sequenceDiagram(['t0'], [{ over: [0], text: 'PLACEHOLDER' }]).replace('PLACEHOLDER', 'while (x); y = 1');
    const results = runInChromium(CHROMIUM, [...diagrams.map((d) => d.text), broken]);
    expect(results).toHaveLength(diagrams.length + 1);
    diagrams.forEach((d, i) => {
      const r = results[i]!;
      expect({ name: d.name, parsed: r.parsed, error: r.error }).toEqual({ name: d.name, parsed: true, error: undefined });
      expect(r.type).toBe('sequence');
      expect({ name: d.name, rendered: r.rendered, error: r.renderError }).toEqual({ name: d.name, rendered: true, error: undefined });
      // Every note kmc wrote is a note in the picture, with its text as kmc meant it: nothing
      // taken for Mermaid syntax (a directive, an HTML entity) and dropped or changed.
      expect(r.notes, d.name).toBe(d.text.split('\n').filter((l) => l.startsWith('    Note over ')).length);
      const m = meant(d.text);
      expect({ name: d.name, notes: r.noteTexts }).toEqual({ name: d.name, notes: m.notes });
      expect({ name: d.name, actors: [...r.actors!].sort() }).toEqual({ name: d.name, actors: [...m.actors].sort() });
    });
    const canary = results.at(-1)!;
    expect(canary.parsed).toBe(false);
    expect(canary.error).toMatch(/Parse error on line 3/);
  });
});
