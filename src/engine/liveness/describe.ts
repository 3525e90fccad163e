// How a liveness violation is worded: one wording for the lasso the checker finds in the state
// graph (analyse.ts) and the lasso `kmc replay` follows on its own (lasso-check.ts), so a trace
// file's recorded violation and its replay say the same thing.

import type { CompiledAction, CompiledModel } from '../../model/compile.js';
import type { LivenessProperty } from '../../property/types.js';

/**
 * A lasso of `prefix` steps then `loop` (no steps: the run stays in the last state for ever)
 * breaking `p`; `thread` is the livelocked thread for the built-in livelock.
 */
export function describeLassoViolation(model: CompiledModel, p: LivenessProperty, thread: number | undefined, prefix: number, loop: readonly CompiledAction[], stutter: boolean): string {
  const where = stutter
    ? `after ${prefix} step${prefix === 1 ? '' : 's'} the run stops for ever (no fairly scheduled step can run)`
    : `after ${prefix} step${prefix === 1 ? '' : 's'} a fair cycle of ${loop.length} step${loop.length === 1 ? '' : 's'} repeats for ever`;
  switch (p.form) {
    case 'livelock': {
      const name = model.threadNames[thread!]!;
      const own = [...new Set(loop.filter((a) => a.thread === thread).map((a) => `'${a.label}'`))];
      const what = own.length > 0 ? `${name} spins without progress, running only ${own.slice(0, 4).join(', ')}${own.length > 4 ? ', …' : ''}` : `${name} never runs again (starved) while the others go round`;
      return `livelock: ${where}: ${what}`;
    }
    case 'eventually':
      return `${p.name}: never holds: ${where}, and it is false all along`;
    case 'always-eventually':
      return `${p.name}: false for good: ${where}, ${stutter ? 'in a state where it is false' : 'through states where it is false'}`;
    case 'eventually-always':
      return `${p.name}: never settles: ${where}, through a state where it is false`;
    case 'leads-to':
      return `${p.name}: the trigger holds and the response never follows: ${where}, the response false all along`;
  }
}
