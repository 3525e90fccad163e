import fc from 'fast-check';
import { modelSpec, buildRandomModel } from '../oracle/random-model.ts';
import { referenceExplore } from '../oracle/reference-explorer.ts';
import { check } from '../../src/engine/index.ts';
const samples = fc.sample(modelSpec, { numRuns: 300, seed: 42 });
const sizes: number[] = []; let trunc = 0, errs = 0, mism = 0, viol = 0;
const t0 = performance.now();
let tref = 0, teng = 0;
for (const spec of samples) {
  const { model, properties } = buildRandomModel(spec);
  let a = performance.now();
  const ref = referenceExplore(model, properties, { maxStates: 3000 });
  tref += performance.now() - a;
  if (ref.truncated) { trunc++; continue; }
  if (ref.error) { errs++; console.log('referr', ref.error); continue; }
  sizes.push(ref.states);
  a = performance.now();
  const r = check(model, properties);
  teng += performance.now() - a;
  if (r.status === 'error') { console.log('engerr', r.message); continue; }
  if (r.status === 'violated') viol++;
  const m = r.stats.states !== ref.states || r.properties.some(p => p.status !== (ref.properties[p.name]!.status === 'holds' ? 'holds' : 'violated') || (p.status === 'violated' && p.violation.path.length !== ref.properties[p.name]!.shortest));
  if (m) { mism++; if (mism < 3) console.log('MISMATCH', r.stats.states, ref.states, JSON.stringify(r.properties.map(p => [p.name, p.status, p.status==='violated'?p.violation.path.length:null])), JSON.stringify(ref.properties)); }
}
sizes.sort((a, b) => a - b);
console.log({ n: samples.length, trunc, errs, mism, viol, median: sizes[sizes.length >> 1], p90: sizes[Math.floor(sizes.length * 0.9)], max: sizes.at(-1), ms: performance.now() - t0, tref, teng });
