// The machine-readable form of a patch proof (`kmc prove … --json`, schemas/kmc-prove.schema.json):
// the three parts with their verdicts, the pre-patch verdict with every counterexample path, the
// post-patch verdict with its statistics, and each counterexample replayed on the pre-patch
// variant and run on the post-patch one (as prove() replayed them: this file only renders). The
// proof itself (parts 1 and 3) is about the shortest counterexample, as in the text output; the
// others are replayed the same way so that CI sees what the patch does to each of them.

import { countsOf, unreached } from './coverage.js';
import { verdictWord } from './holds.js';
import type { ProveResult } from '../engine/prove.js';
import type { CheckResult, Violation } from '../engine/result.js';
import { formatPath } from '../engine/chooser.js';
import { replayCommand } from '../trace/itf.js';
import { proofParts } from './prove.js';
import { runJson, variantReplayJson } from './replay-json.js';

function pathJson(v: Violation) {
  return { property: v.property, kind: v.kind, message: v.message, length: v.path.length, path: formatPath(v.path), ...(v.blocked ? { blocked: v.blocked } : {}), ...(v.loop !== undefined ? { loop: v.loop } : {}) };
}

/** A check's verdict, its statistics, each property's status and every counterexample path. */
export function verdictJson(r: CheckResult, o: { coverage?: boolean } = {}) {
  if (r.status === 'error') return { variant: r.run.variant, status: r.status, message: r.message };
  return {
    variant: r.run.variant,
    status: r.status,
    complete: r.status === 'verified' || (r.status === 'violated' && r.complete),
    stoppedBy: r.status === 'verified' ? null : (r.stoppedBy ?? null),
    stats: r.stats,
    // The reductions the search ran with (stats.states counts the states it stored): null for none.
    reductions: r.reductions ?? null,
    // verdict: "holds, not exercised" for a property that holds only vacuously (and why).
    properties: r.properties.map((s) => ({
      name: s.name,
      kind: s.kind,
      status: s.status,
      verdict: verdictWord(s),
      ...(s.status === 'holds' && s.notExercised !== undefined ? { notExercised: s.notExercised } : {}),
    })),
    violations: r.status === 'violated' ? r.violations.map(pathJson) : [],
    ...(o.coverage ? { coverage: r.coverage ? { of: countsOf(r), steps: r.coverage.steps, unreached: unreached(r) } : null } : {}),
  };
}

const PART_NAMES = ['counterexample', 'verified', 'blocked'] as const;

export function proveToJson(p: ProveResult, version: string, o: { coverage?: boolean } = {}) {
  const parts = proofParts(p).map((x, i) => ({ part: i + 1, name: PART_NAMES[i]!, ok: x.ok, claim: x.claim, detail: x.detail }));
  return {
    tool: 'kmc',
    version,
    command: 'prove',
    exitCode: p.proved ? 0 : 1,
    model: p.model,
    from: p.from,
    to: p.to,
    params: p.params,
    proved: p.proved,
    parts,
    buggy: verdictJson(p.buggy, o),
    fixed: verdictJson(p.fixed, o),
    counterexamples: p.counterexamples.map((c) => {
      const { violation: v, run } = c;
      return {
        property: v.property,
        kind: v.kind,
        message: v.message,
        path: formatPath(v.path),
        replay: replayCommand(p.modelRef ?? p.model, p.from, p.params, v.path),
        // The proof's parts 1 and 3 are about this one (the shortest).
        proof: v === p.counterexample?.violation,
        // Replaying the path shows the violation (part 1, for the proof's own).
        shown: run.violations.some((x) => x.property.name === v.property),
        onBuggy: runJson(run),
        onFixed: variantReplayJson(c.onFixed, v.property),
      };
    }),
  };
}
