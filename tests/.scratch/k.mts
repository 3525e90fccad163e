import { run } from '../../src/cli/main.ts';
const out: string[] = [];
const code = await run(['node', 'kmc', 'check', 'tests/fixtures/models/peterson.ts', '--param', 'rounds=2', '--json'], { out: t => void out.push(t), err: t => void out.push('ERR ' + t), isTTY: false });
console.log(code, JSON.stringify(JSON.parse(out.join('')).stats));
