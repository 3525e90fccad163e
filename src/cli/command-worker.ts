// The thread a supervised kmc command runs in (supervise.ts). Everything the command prints,
// and its statistics so far, goes to the supervisor as messages; the supervisor's "stop"
// (Ctrl-C, SIGTERM, SIGHUP, --max-time, the memory limit) reaches the command's interrupt
// handler, or, when the command has none, is answered at once so the supervisor stops it.

import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { Io } from './io.js';
import { loadBundle, saveBundleCaches } from '../util/bundle.js';
import { ModelError } from '../util/errors.js';

// The command's code: one file when built (dist/bundle/cli.cjs, src/util/bundle.ts), else its
// modules one by one (the same code either way).
const { run } = (loadBundle('cli') as typeof import('./main.js') | undefined) ?? (await import('./main.js'));

export type ToSupervisor =
  | { t: 'out' | 'err'; s: string }
  | { t: 'progress'; p: unknown }
  | { t: 'no-handler' }
  | { t: 'done'; code: number };
export type ToCommand = { t: 'stop'; why: string };

const port = parentPort!;
// Model code runs on this thread too (kmc's determinism probe, simulate, prove, replay): a model
// that calls process.exit() would end the command without a result. It is a broken model instead.
process.exit = ((code?: number) => {
  throw new ModelError(`the model called process.exit(${code ?? ''})`);
}) as typeof process.exit;
const { argv, isTTY } = workerData as { argv: string[]; isTTY: boolean };
const post = (m: ToSupervisor) => port.postMessage(m);

const handlers = new Set<(why?: string) => void>();
const onMessage = (m: ToCommand) => {
  if (m.t !== 'stop') return;
  if (handlers.size === 0) post({ t: 'no-handler' });
  for (const h of [...handlers]) h(m.why);
};
port.on('message', onMessage);

const io: Io = {
  out: (s) => post({ t: 'out', s }),
  err: (s) => post({ t: 'err', s }),
  isTTY,
  onInterrupt(handler) {
    handlers.add(handler);
    return () => void handlers.delete(handler);
  },
  pollInterrupt() {
    // A search on this thread (run-check.ts): the supervisor's messages, taken off the port now.
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) onMessage(m.message as ToCommand);
  },
  progress: (p) => post({ t: 'progress', p }),
};

const code = await run(argv, io);
// The command's code, compiled as it ran, kept for the next start (only when its bundle had no cache).
saveBundleCaches();
post({ t: 'done', code });
port.close();
