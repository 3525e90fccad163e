// What a verified search may claim about the states it counted. Without reductions the count is
// every reachable state; with symmetry or partial-order reduction it is the states the search
// stored (one per symmetry orbit, or fewer interleavings), and the claim must say so: "all 278
// reachable states" would be false when the model has 326.

import type { CheckResult, PropertyStatus } from '../engine/result.js';
import { thousands } from '../util/format.js';

/** The reductions that shrank a search, each in words (none: empty). */
export function reductionParts(r: CheckResult): string[] {
  if (r.status === 'error' || !r.reductions) return [];
  const parts: string[] = [];
  if (r.reductions.symmetry.length > 0) parts.push(`symmetry over ${r.reductions.symmetry.map((g) => g.name).join(' and ')}`);
  if (r.reductions.por) parts.push('partial-order reduction');
  return parts;
}

/** The reductions that shrank a search, in words ('' when none did). */
export function reducedBy(r: CheckResult): string {
  return reductionParts(r).join(', ');
}

/** "in all N reachable states (exhaustive)", or, reduced, what was stored and how. */
export function holdsClaim(r: CheckResult & { stats: { states: number } }): string {
  const how = reducedBy(r);
  return how
    ? `in every reachable state (exhaustive, ${how}: ${thousands(r.stats.states)} states stored)`
    : `in all ${thousands(r.stats.states)} reachable states (exhaustive)`;
}

/** A property's verdict in words: "holds, not exercised" for a vacuous one, never a plain "holds". */
export function verdictWord(p: PropertyStatus): 'holds' | 'holds, not exercised' | 'violated' | 'unknown' {
  if (p.status === 'holds' && p.notExercised !== undefined) return 'holds, not exercised';
  return p.status;
}

/** The properties of a result that hold only vacuously. */
export function notExercised(r: CheckResult): (PropertyStatus & { status: 'holds' })[] {
  if (r.status === 'error') return [];
  return r.properties.filter((p): p is PropertyStatus & { status: 'holds' } => p.status === 'holds' && p.notExercised !== undefined);
}
