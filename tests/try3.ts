import { check } from '../src/engine/index.js';
import { bundled } from '../models/index.js';
const e = bundled.find((x) => x.model.name === process.argv[2])!;
for (const v of Object.keys(e.model.variants)) {
  const r = check(e.model, e.properties, { variant: v, property: e.properties.properties.filter((p) => p.kind === 'liveness').map((p) => p.name).concat(['livelock']).filter((x, i, a) => a.indexOf(x) === i) });
  if (r.status === 'error') { console.log(v, r.message); continue; }
  console.log(v, r.status, r.stats.states, r.stats.timeMs.toFixed(0), 'ms', JSON.stringify(r.liveness?.analysisMs), r.properties.map((p) => `${p.name}:${p.status}${p.status === 'violated' ? ' ' + p.violation.path.length + ' loop ' + p.violation.loop + ' ' + p.violation.message : ''}`).join(' | '));
}
