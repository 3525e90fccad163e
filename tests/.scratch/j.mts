import { check } from '../../src/engine/index.ts';
import { peterson, petersonProps } from '../fixtures/textbook.ts';
console.log(JSON.stringify((check(peterson, petersonProps, { params: { rounds: 2 } }) as any).stats));
