import { bundled } from '../../models/index.ts';
import { referenceExplore } from '../oracle/reference-explorer.ts';
import { check } from '../../src/engine/index.ts';
for (const e of bundled) for (const v of Object.keys(e.model.variants)) {
  let t = performance.now();
  const ref = referenceExplore(e.model, e.properties, { variant: v, maxStates: 20000 });
  const tr = performance.now() - t; t = performance.now();
  const r: any = check(e.model, e.properties, { variant: v });
  console.log(e.model.name, v, ref.truncated ? 'TRUNC' : ref.states, ref.error ?? '', Math.round(tr), 'ms; engine', r.status, r.stats?.states, Math.round(performance.now() - t));
}
