// Symmetry is on by default in kmc check and kmc prove, except where a liveness property is
// checked (livelock is, by default): liveness needs the whole state graph, unreduced
// (src/engine/liveness/run.ts), and the search that records it checks the safety properties too,
// so a symmetry-reduced safety search before it would only add work (kvm-hotplug --variant
// patch-2 cpus=4: 593,242 reduced states, then the graph's 1,176,749 again; bench/README.md,
// "Liveness and symmetry"). The engine's check() does what it is asked; this is the CLI's default.

import type { CompiledModel } from '../model/compile.js';
import type { Property } from '../property/types.js';
import type { CheckResult } from '../engine/result.js';

/** Whether to search with symmetry, and the note that says why not where it is dropped. */
export function symmetryByDefault(wanted: boolean, model: CompiledModel, selected: readonly Property[]): { symmetry: boolean; note: string | undefined } {
  const liveness = selected.filter((p) => p.kind === 'liveness').map((p) => p.name);
  if (!wanted || liveness.length === 0) return { symmetry: wanted, note: undefined };
  const groups = model.symmetry.filter((g) => g.members.length > 1).map((g) => g.name);
  const note =
    groups.length === 0
      ? undefined
      : `symmetry reduction (${groups.join(', ')}) not used: the liveness properties (${liveness.join(', ')}) need the whole state graph, unreduced, and the search that records it checks the safety properties too (a reduced safety search first would only add work); check only safety properties (--property, --no-livelock) to search them with symmetry`;
  return { symmetry: false, note };
}

/** The result with a note among its reductions' (a run without reductions gets a report that says only that). */
export function withReductionNote(result: CheckResult, note: string | undefined): CheckResult {
  if (note === undefined || result.status === 'error') return result;
  result.reductions = result.reductions ? { ...result.reductions, notes: [...result.reductions.notes, note] } : { por: false, passes: 0, symmetry: [], notes: [note] };
  return result;
}
