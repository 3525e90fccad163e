import { check } from '../../src/engine/index.ts';
import { peterson, petersonProps } from '../fixtures/textbook.ts';
for (let m = 20; m <= 41; m++) { const r: any = check(peterson, petersonProps, { variant: 'broken', maxStates: m }); console.log(m, r.status, r.stats.states); }
