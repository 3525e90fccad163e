import { check } from '../../src/engine/index.ts';
import { defineModel, step, thread } from '../../src/model/index.ts';
import { invariant, deadlockFree } from '../../src/property/index.ts';
type S = { x: number; c: number[] };
const noisy = (n: number) => defineModel<S>({ name: 'noisy', doc: '', params: {}, variants: { v: '' }, build: () => ({ init: { x: 0, c: Array(n).fill(0) }, threads: [
  thread<S>('bad', [step<S>('set', 'bad: x = 1', { run: d => void (d.x = 1) })]),
  ...Array.from({ length: n }, (_, i) => thread<S>(`n${i}`, [step<S>('inc', 'noise: c[i]++', { run: d => void d.c[i]!++ })])) ] }) });
const props = [invariant<S>('x-zero', 'x stays 0', s => s.vars.x === 0), deadlockFree()];
for (const o of [{}, { maxTimeMs: 0 }, { maxStates: 100 }, { maxDepth: 3 }, { interrupted: () => true }, { first: true }]) {
  const r = check(noisy(11), props, o);
  console.log(JSON.stringify(o), r.status, (r as any).stoppedBy, (r as any).complete, r.status !== 'error' ? r.stats.states : '', (r as any).properties?.map((p: any) => p.status));
}
