// Coverage and vacuity (SPIN's "unreached in proctype", TLC's action coverage): how often each
// step of each thread ran in the search, and whether each property was exercised.
//
// A property that holds only because what it talks about never happened says nothing: an
// assertion whose WARN_ON/BUG_ON no step ever evaluated, a step property whose steps never ran
// (its `when` never held), an invariant "when A, then B" whose A never held. Such a property is
// reported "holds, not exercised", never a plain "holds" (the exit code is the same).
//
// The collector belongs to an Evaluator (evaluate.ts): it sees every step the search takes
// (Evaluator.steps runs right before the step) and every state it stores (Evaluator.invariants),
// and hears every WARN_ON/BUG_ON evaluated through the system's `hearAssertions`.
// Counts are plain data (CoverageCounts) so that parallel workers can send theirs and the
// orchestrator adds them up (mergeCounts).
//
// Each search counts afresh (search.ts resets the collector when it starts), so a result's counts
// are those of the search that gave the verdict: with partial-order reduction, its last pass
// (not the learning runs nor abandoned passes before it).
//
// With reductions, the counts are of the reduced search: partial-order reduction follows fewer
// interleavings, symmetry stores one state
// per orbit, so a step a member's thread runs may be counted on an interchangeable sibling
// (neverFired folds siblings together then). "Exercised" is a claim about a state or step the
// search really reached, so it is sound under every reduction.

import type { Step, TransitionSystem } from '../model/system.js';
import type { Property, StateInfo, StepInfo } from '../property/types.js';
import type { PropertyStatus } from './result.js';

/** What a search saw, as plain (structured-clonable) data. */
export interface CoverageCounts {
  /** Times each action ran, by Step.ordinal (model.allActions order). */
  fired: number[];
  /** Tags of the WARN_ON/BUG_ON statements some step evaluated (fired or not). */
  reached: string[];
  /** Per selected property, in order: whether some state or step exercised it. */
  exercised: boolean[];
}

export class CoverageCollector {
  private readonly fired: Float64Array;
  private readonly reached = new Set<string>();
  private readonly exercised: boolean[];
  /** Invariants (by selected index) not yet exercised; `when` absent: any state exercises it. */
  private pendingInvariants: { index: number; when: ((s: StateInfo<unknown>) => boolean) | undefined }[];
  private pendingSteps: { index: number; when: ((b: StateInfo<unknown>, step: StepInfo) => boolean) | undefined }[];
  private readonly invariantsAll: { index: number; when: ((s: StateInfo<unknown>) => boolean) | undefined }[] = [];
  private readonly stepsAll: { index: number; when: ((b: StateInfo<unknown>, step: StepInfo) => boolean) | undefined }[] = [];
  private readonly deadlocks: number[] = [];
  readonly reach = (tag: string): void => {
    this.reached.add(tag);
  };

  constructor(
    private readonly model: TransitionSystem,
    selected: readonly Property[],
  ) {
    this.fired = new Float64Array(model.stepCount);
    this.exercised = selected.map(() => false);
    selected.forEach((p, index) => {
      if (p.kind === 'invariant') this.invariantsAll.push({ index, when: p.when?.bind(p) });
      else if (p.kind === 'step') this.stepsAll.push({ index, when: p.when?.bind(p) });
      // Every search checks its initial state for a deadlock.
      else if (p.kind === 'deadlock') this.deadlocks.push(index);
    });
    this.pendingInvariants = [...this.invariantsAll];
    this.pendingSteps = [...this.stepsAll];
    for (const i of this.deadlocks) this.exercised[i] = true;
  }

  /** Forget everything seen: a new search starts (its counts are its own, see search.ts). */
  reset(): void {
    this.fired.fill(0);
    this.reached.clear();
    this.exercised.fill(false);
    this.pendingInvariants = [...this.invariantsAll];
    this.pendingSteps = [...this.stepsAll];
    for (const i of this.deadlocks) this.exercised[i] = true;
  }

  /** Go on from counts saved earlier in the same search (a resumed checkpoint; after reset()). */
  restore(c: CoverageCounts): void {
    c.fired.forEach((n, i) => (this.fired[i] = n));
    for (const t of c.reached) this.reached.add(t);
    c.exercised.forEach((e, i) => {
      if (e) this.exercised[i] = true;
    });
    this.pendingInvariants = this.pendingInvariants.filter((p) => !this.exercised[p.index]);
    this.pendingSteps = this.pendingSteps.filter((p) => !this.exercised[p.index]);
  }

  /** Does any invariant still wait for a state that exercises it? */
  get invariantsPending(): boolean {
    return this.pendingInvariants.length > 0;
  }

  get stepsPending(): boolean {
    return this.pendingSteps.length > 0;
  }

  /**
   * A state the search stores (`words`): the invariants' antecedents, each decided by its form
   * compiled over the packed state where it has one (`compiled`, by selected index: 1 holds, 0
   * not, -1 bailed) and otherwise on `info()`, which decodes the state (evaluate.ts calls it
   * only then, so a state where every pending antecedent is compiled and false is not decoded).
   */
  state(words: Int32Array, info: () => StateInfo<unknown>, compiled?: readonly (((w: Int32Array) => number) | undefined)[]): void {
    const pending = this.pendingInvariants;
    let kept: typeof pending | undefined;
    for (let k = 0; k < pending.length; k++) {
      const p = pending[k]!;
      let holds = true;
      if (p.when !== undefined) {
        const r = compiled?.[p.index]?.(words) ?? -1;
        holds = r >= 0 ? r === 1 : p.when(info());
      }
      if (holds) {
        this.exercised[p.index] = true;
        kept ??= pending.slice(0, k);
      } else kept?.push(p);
    }
    // Most states exercise nothing new: the list is replaced only when one did.
    if (kept !== undefined) this.pendingInvariants = kept;
  }

  /** A step about to run: counted, and the assertions it evaluates are heard. */
  step(action: Step): void {
    this.fired[action.ordinal]! += 1;
    this.model.hearAssertions(this.reach);
  }

  /**
   * The step properties' antecedents, of the step about to run from `words`: each decided by its
   * form compiled for this step where it has one (`compiled`, by selected index), otherwise on
   * `before()`, which decodes the state (as state() does for invariants).
   */
  stepProperties(words: Int32Array, before: () => StateInfo<unknown>, step: StepInfo, compiled?: readonly (((w: Int32Array) => number) | undefined)[]): void {
    const pending = this.pendingSteps;
    let kept: typeof pending | undefined;
    for (let k = 0; k < pending.length; k++) {
      const p = pending[k]!;
      let holds = true;
      if (p.when !== undefined) {
        const r = compiled?.[p.index]?.(words) ?? -1;
        holds = r >= 0 ? r === 1 : p.when(before(), step);
      }
      if (holds) {
        this.exercised[p.index] = true;
        kept ??= pending.slice(0, k);
      } else kept?.push(p);
    }
    if (kept !== undefined) this.pendingSteps = kept;
  }

  counts(selected: readonly Property[]): CoverageCounts {
    const reached = [...this.reached];
    return {
      fired: Array.from(this.fired),
      reached,
      // Assertions are decided here, from the statements reached.
      exercised: selected.map((p, i) => (p.kind === 'assertion' ? this.reached.has(p.tag) : this.exercised[i]!)),
    };
  }
}

/** The counts of two searches of the same model and properties, added up (parallel workers). */
export function mergeCounts(a: CoverageCounts | undefined, b: CoverageCounts | undefined): CoverageCounts | undefined {
  if (!a) return b;
  if (!b) return a;
  return {
    fired: a.fired.map((n, i) => n + (b.fired[i] ?? 0)),
    reached: [...new Set([...a.reached, ...b.reached])],
    exercised: a.exercised.map((e, i) => e || b.exercised[i] === true),
  };
}

/** One step (action) of one thread, and how often it ran. */
export interface StepCoverage {
  thread: string;
  /** The location id (several actions of one location share it). */
  id: string;
  label: string;
  fired: number;
}

/** Coverage as a result carries it (CheckResult.coverage). */
export interface Coverage {
  /** Every step of every thread, in program order. */
  steps: StepCoverage[];
  /**
   * The model's interchangeable threads (SymmetryDef.threads), by group name: each entry lists
   * threads that run the same program, one per member. Under symmetry reduction a step one of
   * them ran counts for all (the search kept one state per orbit).
   */
  symmetric: { group: string; threads: string[][] }[];
}

/**
 * The steps that never ran. `symmetryGroups`: the groups the search reduced by (result.reductions):
 * a step counts as run when the same step of an interchangeable thread ran.
 */
export function neverFired(c: Coverage, symmetryGroups: readonly string[] = []): StepCoverage[] {
  const siblings = new Map<string, string[]>();
  for (const g of c.symmetric) if (symmetryGroups.includes(g.group)) for (const ts of g.threads) for (const t of ts) siblings.set(t, ts);
  const fired = new Map<string, number>();
  const key = (thread: string, s: StepCoverage, k: number) => `${thread}\u0000${s.id}\u0000${s.label}\u0000${k}`;
  // Actions of one location that share a label are told apart by their order.
  const ordinal = (s: StepCoverage, i: number) => c.steps.slice(0, i).filter((x) => x.thread === s.thread && x.id === s.id && x.label === s.label).length;
  c.steps.forEach((s, i) => fired.set(key(s.thread, s, ordinal(s, i)), s.fired));
  return c.steps.filter((s, i) => {
    if (s.fired > 0) return false;
    const k = ordinal(s, i);
    return !(siblings.get(s.thread) ?? []).some((t) => (fired.get(key(t, s, k)) ?? 0) > 0);
  });
}

/** Why a property that holds was not exercised, or undefined when it was. */
export function notExercisedReason(p: Property, exercised: boolean): string | undefined {
  if (exercised) return undefined;
  switch (p.kind) {
    case 'assertion':
      return `no step evaluated its check (${p.tag})`;
    case 'invariant':
      return p.when ? 'its antecedent (when ...) held in no reachable state' : 'no state was checked';
    case 'step':
      return p.when ? 'no step it is about ran (its when ... never held)' : 'no step ran';
    case 'deadlock':
      return 'no state was checked';
  }
}

/** The status of a property that holds: "not exercised" (with the reason) when the counts say so. */
export function holdsStatus(p: Property, counts: CoverageCounts | undefined, index: number): PropertyStatus & { status: 'holds' } {
  const vacuous = counts ? notExercisedReason(p, counts.exercised[index] === true) : undefined;
  return vacuous ? { name: p.name, kind: p.kind, doc: p.doc, status: 'holds', notExercised: vacuous } : { name: p.name, kind: p.kind, doc: p.doc, status: 'holds' };
}
