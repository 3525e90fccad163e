import fc from 'fast-check';
import { modelSpec, buildRandomModel } from '../oracle/random-model.ts';
import { referenceExplore } from '../oracle/reference-explorer.ts';
const samples = fc.sample(modelSpec, { numRuns: 300, seed: Number(process.env.SEED ?? 42) });
const kinds: Record<string, number> = {}; const sizes: number[] = []; let trunc = 0;
let t = performance.now();
for (const spec of samples) {
  const { model, properties } = buildRandomModel(spec);
  const ref = referenceExplore(model, properties, { maxStates: 5000 });
  if (ref.truncated) { trunc++; continue; }
  sizes.push(ref.states);
  for (const p of Object.values(ref.properties)) if (p.status === 'violated') { const k = p.name.replace(/\d+$/, ''); kinds[k] = (kinds[k] ?? 0) + 1; }
}
sizes.sort((a, b) => a - b);
console.log(kinds, { trunc, q25: sizes[sizes.length >> 2], median: sizes[sizes.length >> 1], p90: sizes[Math.floor(sizes.length * 0.9)], max: sizes.at(-1), ms: performance.now() - t });
