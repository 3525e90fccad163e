import { buildLayout, buildView } from '../../src/model/layout.ts';
import { produce } from 'immer';
const init = { o: { a: 1, b: true }, arr: [1, 2], n: { m: [3, 4] } };
const L = buildLayout(init);
const target = { words: new Int32Array(L.size), base: 0, readOnly: false, reads: null, writes: null };
const v: any = buildView(L.root, target);
v.o = init.o; v.arr = init.arr; v.n = init.n;
console.log(Object.keys(v), Object.keys(v.o), Object.values(v.arr), { ...v.o }, JSON.stringify(v), Array.isArray(v.arr));
for (const k in v.o) console.log('forin', k);
// aliasing
const r = produce(init, (d: any) => { d.o2 = undefined; });
const r2 = produce({ x: { f: 1 }, y: { f: 2 } }, (d: any) => { d.x = d.y; d.y.f = 5; });
console.log(JSON.stringify(r2));
try { v.zz = 1; } catch (e) { console.log('add:', (e as Error).message); }
console.log(delete v.o, JSON.stringify(v));
