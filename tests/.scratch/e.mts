import { peterson, petersonProps, abba, abbaProps, lostUpdate, lostUpdateProps } from '../fixtures/textbook.ts';
import { referenceExplore } from '../oracle/reference-explorer.ts';
import { check } from '../../src/engine/index.ts';
import { compileModel } from '../../src/model/compile.ts';
import { expandPath } from '../../src/trace/expand.ts';
const cases: [any, any, string, any][] = [
 [peterson, petersonProps, 'correct', {}], [peterson, petersonProps, 'correct', { rounds: 2 }], [peterson, petersonProps, 'correct', { rounds: 3 }],
 [peterson, petersonProps, 'broken', {}], [peterson, petersonProps, 'broken', { rounds: 2 }],
 [abba, abbaProps, 'abba', {}], [abba, abbaProps, 'ordered', {}],
 [lostUpdate, lostUpdateProps, 'racy', {}], [lostUpdate, lostUpdateProps, 'atomic', {}], [lostUpdate, lostUpdateProps, 'racy', { threads: 3 }], [lostUpdate, lostUpdateProps, 'atomic', { threads: 3 }],
];
for (const [m, p, variant, params] of cases) {
  const r = check(m, p, { variant, params });
  const ref = referenceExplore(m, p, { variant, params });
  console.log(m.name, variant, JSON.stringify(params), r.status, r.status !== 'error' ? [r.stats.states, r.stats.transitions, r.stats.diameter] : r.message, [ref.states, ref.transitions, ref.diameter]);
  if (r.status === 'violated') for (const v of r.violations) {
    const t = expandPath(compileModel(m, { variant, params }), v.path);
    console.log('  ', v.property, v.path.join('/'), v.message, t.steps.map(s => `${s.thread}: ${s.label}`));
  }
}
