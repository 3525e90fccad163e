import { check } from '../../src/engine/index.ts';
import { defineModel, step, thread } from '../../src/model/index.ts';
type S = { n: number; cpus: number[] };
const model = (run: any, o: any = {}) => defineModel<S>({ name: 'shape', doc: '', params: {}, variants: { only: 'one' }, build: () => ({ init: { n: 0, cpus: [0, 0] }, threads: [thread<S>('t', [step<S>('s', 'f: bad write', { run, ...o })])] }) });
for (const run of [(d: any) => void (d.extra = 1), (d: any) => void (d.n = 0.5), (d: any) => void (d.n = true), (d: any) => void d.cpus.push(1), (d: any) => void (d.cpus = [1, 2, 3]), (d: any) => void delete d.n, (d: any) => void (d.cpus.length = 1)])
  console.log((check(model(run), []) as any).message);
console.log((check(model(undefined, { guard: (s: any) => ((s.n = 1), true) }), []) as any).message);
console.log((check(model(undefined, { next: (s: any) => ((s.n = 1), 's') }), []) as any).message);
