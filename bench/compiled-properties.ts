// Compiled invariants (src/model/straight.ts straightProperty, src/engine/evaluate.ts): the same
// check of the textbook lost-update model (tests/fixtures/textbook.ts, variant racy) with its
// invariant as written (compiled: the search checks a state without decoding it) and wrapped in
// a closure the compiler cannot read (evaluated on the decoded view of every state, as before
// session 9). For instruction counts run it under callgrind twice with different round counts
// (bench/README.md, "Compiled properties (issue 15 item 3, session 9)"):
//
//   node --no-concurrent-recompilation dist/bench/compiled-properties.js compiled 6 2
//   node --no-concurrent-recompilation dist/bench/compiled-properties.js opaque 6 2
//
// Not a section of `npm run bench`: one before/after comparison.

import { check } from '../src/engine/check.js';
import { deadlockFree, defineProperties, invariant, type Invariant, type StateInfo } from '../src/property/index.js';
import { lostUpdate, lostUpdateProps } from '../tests/fixtures/textbook.js';

const [mode = 'both', threadsArg = '6', roundsArg = '3'] = process.argv.slice(2);
const threads = Number(threadsArg);
const rounds = Number(roundsArg);
const inv = lostUpdateProps.properties.find((p) => p.kind === 'invariant') as Invariant<unknown>;
const own = inv.holds;
// The same function called through a closure: refused by the compiler ("a name from the closure").
const opaque = defineProperties('lost-update', [invariant(inv.name, inv.doc, (s: StateInfo<unknown>) => own(s)), deadlockFree()]);

for (let r = 0; r < rounds; r++)
  for (const [name, props] of [['compiled', lostUpdateProps], ['opaque', opaque]] as const) {
    if (mode !== 'both' && mode !== name) continue;
    const t0 = process.cpuUsage();
    const res = check(lostUpdate, props, { variant: 'racy', params: { threads } });
    const cpu = process.cpuUsage(t0);
    if (res.status === 'error') throw new Error(res.message);
    console.log(`${name}: ${res.status}, ${res.stats.states} states, ${res.stats.transitions} transitions, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU`);
  }
