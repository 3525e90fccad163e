import { bundled } from '../../models/index.ts';
import { referenceExplore } from '../oracle/reference-explorer.ts';
const e = bundled.find(e => e.model.name === 'kvm-hotplug')!;
const t = performance.now();
const ref = referenceExplore(e.model, e.properties, { variant: 'upstream' });
console.log(ref.states, performance.now() - t);
