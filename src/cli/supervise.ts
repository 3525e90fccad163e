// kmc as a process: the command runs in a worker thread (command-worker.ts) and this, the main
// thread, only relays its output and watches it, so that nothing a model does can hang kmc.
// Ctrl-C (SIGINT), SIGTERM, SIGHUP, --max-time and the memory limit ask the command to stop
// (a search then ends with its statistics so far, exit 3); a command that does not end within
// a grace period, because a step never returns, is stopped without waiting: kmc prints the
// statistics it last heard and exits 3. A second signal stops it at once. --max-memory also caps
// the command thread's heap, so a step that allocates without end is stopped too (exit 3).

import { Worker } from 'node:worker_threads';
import { processIo, type Io } from './io.js';
import { parseBytes, parseDuration } from './options.js';
import type { ProgressSnapshot } from './progress.js';
import type { ToCommand, ToSupervisor } from './command-worker.js';
import { longTimeout } from '../util/timer.js';
import { bytes, seconds, thousands } from '../util/format.js';

export interface SuperviseOptions {
  /** How long a command may take to stop after being asked (default 2 s). */
  graceMs?: number;
  io?: Io;
  /** Called instead of process.on for the signals (tests). */
  signals?: readonly NodeJS.Signals[];
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const CHECKPOINT_GRACE_MS = 30_000;
const MIB = 2 ** 20;

/** The value of `--name V` or `--name=V` in argv (before `--`), if any. */
function optionValue(argv: readonly string[], name: string): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === name && i + 1 < argv.length) found = argv[++i];
    else if (a.startsWith(`${name}=`)) found = a.slice(name.length + 1);
  }
  return found;
}

/** Whether the command reads source locations (--reporter: SARIF's step locations) or prints stacks (--debug). */
export function wantsSourceMaps(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--debug' || a === '--reporter' || a.startsWith('--reporter='));
}

function parsed<T>(parse: (v: string) => T, v: string | undefined): T | undefined {
  if (v === undefined) return undefined;
  try {
    return parse(v);
  } catch {
    return undefined; // the command itself reports the bad value
  }
}

function soFar(p: ProgressSnapshot | undefined): string {
  if (!p) return 'no statistics were reported before it stopped';
  return `so far ${thousands(p.states)} states, queue ${thousands(p.queue)}, depth ${p.depth}, ${seconds(p.elapsedMs)}, ${bytes(p.rss)}`;
}

/** Run kmc's command line in a supervised worker thread; resolves to the exit code. */
export function supervise(argv: string[], o: SuperviseOptions = {}): Promise<number> {
  const io = o.io ?? processIo;
  // A checkpointed search writes a final checkpoint when asked to stop: it gets longer to do so.
  // Killed anyway (a step that never returns), the last checkpoint written before stands.
  const checkpointDir = optionValue(argv, '--checkpoint') ?? (argv.slice(2).find((a) => !a.startsWith('-')) === 'resume' ? argv.slice(2).filter((a) => !a.startsWith('-'))[1] : undefined);
  const graceMs = Math.max(o.graceMs ?? 2000, checkpointDir !== undefined ? CHECKPOINT_GRACE_MS : 0);
  const maxTime = parsed(parseDuration('--max-time'), optionValue(argv, '--max-time'));
  const maxMemory = parsed(parseBytes('--max-memory'), optionValue(argv, '--max-memory'));
  const json = argv.includes('--json');
  const worker = new Worker(new URL('./command-worker.js', import.meta.url), {
    workerData: { argv, isTTY: io.isTTY },
    // Stacks in kmc's compiled files map to their .ts lines: where a bundled model defines each
    // step (src/model/where.ts, read by the SARIF report only) is then the model's own line, not
    // dist/'s, and a --debug stack names the .ts lines. Only then: every module loaded under
    // source maps has its map read and parsed (about 0.09 s of CPU for kmc check: bench/startup.ts).
    execArgv: [...process.execArgv, ...(wantsSourceMaps(argv) ? ['--enable-source-maps'] : [])],
    // The command thread's own heap stops at --max-memory: a step that allocates without end
    // ends the thread (reported below), not the machine.
    ...(maxMemory !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: Math.max(16, Math.floor(maxMemory / MIB)) } } : {}),
  });
  return new Promise<number>((resolve) => {
    let last: ProgressSnapshot | undefined;
    let stopping: string | undefined;
    let done = false;
    const cleanups: (() => void)[] = [];
    const finish = (code: number) => {
      if (done) return;
      done = true;
      for (const c of cleanups) c();
      resolve(code);
    };
    /** Stop without waiting for the command (a step that never returns): statistics so far, exit 3. */
    const hardStop = (why: string, detail: string) => {
      if (done) return;
      if (json) io.out(JSON.stringify({ status: 'incomplete', stoppedBy: why, complete: false, statsSoFar: last ?? null }, null, 2));
      else io.out(`INCOMPLETE: stopped by ${why} (${detail}); ${soFar(last)}. Nothing is verified.`);
      io.err(`kmc: stopped by ${why}: ${detail}`);
      if (checkpointDir !== undefined) io.err(`kmc: no final checkpoint was written; the last one written before the stop stands: kmc resume ${checkpointDir}`);
      void worker.terminate();
      finish(3);
    };
    const stop = (why: string) => {
      if (done) return;
      if (stopping !== undefined) {
        hardStop(why, 'asked again, so kmc did not wait for the search to end');
        return;
      }
      stopping = why;
      worker.postMessage({ t: 'stop', why } satisfies ToCommand);
      // Whatever kept the command thread from answering: most often a model's step that never
      // returns, but a long synchronous phase (compiling a large model on a loaded machine) too,
      // so the message names both rather than blaming the step.
      const t = setTimeout(() => hardStop(why, `the command did not stop within ${seconds(graceMs)} of being asked to (a model's step that never returns, or a compile or step that long)`), graceMs);
      cleanups.push(() => clearTimeout(t));
    };

    worker.on('message', (m: ToSupervisor) => {
      if (m.t === 'out') io.out(m.s);
      else if (m.t === 'err') io.err(m.s);
      else if (m.t === 'progress') last = m.p as ProgressSnapshot;
      // A command with no way to stop mid-run (simulate, prove, replay, or one still starting) is
      // ended at once on a signal; a limit leaves it its grace period.
      else if (m.t === 'no-handler' && stopping !== undefined && (SIGNALS as readonly string[]).includes(stopping)) hardStop(stopping, 'this command cannot stop part-way, so it was ended');
      else if (m.t === 'done') finish(m.code);
    });
    worker.on('error', (e: Error & { code?: string }) => {
      if (done) return;
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        hardStop(`--max-memory ${optionValue(argv, '--max-memory')}`, 'the memory limit was reached inside a step');
        return;
      }
      io.err(`kmc: internal error: ${e.message.split('\n')[0]} (run with --debug for the stack)`);
      if (argv.includes('--debug') && e.stack) io.err(e.stack);
      finish(2);
    });
    worker.on('exit', (code) => {
      if (done) return;
      io.err(`kmc: internal error: the command thread exited (${code}) without a result`);
      finish(2);
    });

    for (const sig of o.signals ?? SIGNALS) {
      const h = () => stop(sig);
      process.on(sig, h);
      cleanups.push(() => void process.off(sig, h));
    }
    if (maxTime !== undefined) {
      // The search stops itself at --max-time; this is for a command that cannot: a step that
      // never returns, most often, but a long synchronous phase too (so the message names both).
      const why = `--max-time ${optionValue(argv, '--max-time')}`;
      cleanups.push(longTimeout(() => hardStop(why, `the command did not stop within ${seconds(graceMs)} of the limit (a model's step that never returns, or a compile or step that long)`), maxTime + graceMs, true));
    }
    if (maxMemory !== undefined) {
      // The whole process (every search worker): the searches stop themselves at the limit; well
      // past it, their stop has not taken effect (a step that allocates without returning), so
      // the command is ended from here without waiting.
      const hard = maxMemory * 1.25 + 128 * MIB;
      const poll = setInterval(() => {
        if (process.memoryUsage.rss() > hard) hardStop(`--max-memory ${optionValue(argv, '--max-memory')}`, 'the memory limit was passed by a quarter and more without the command stopping (a model\'s step that allocates without returning, or a compile that large)');
      }, 100);
      poll.unref();
      cleanups.push(() => clearInterval(poll));
    }
  });
}
