// The CLI in-process, as tests call it: `run(argv, io)` with a capturing Io.
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

export interface KmcRun {
  code: number;
  out: string;
  err: string;
}

/** Run `kmc ...args` in this process; stdout and stderr lines joined with newlines. */
export async function runKmc(...args: string[]): Promise<KmcRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t), isTTY: false };
  const code = await run(['node', 'kmc', ...args], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}
