// The kmc command line. Each command lives in its own file under commands/ and registers
// itself here; this file maps errors to exit codes: every failure that is not a verdict is exit 2
// with one line naming what and where (the stack only with --debug). The models
// it knows by name come in as a registry (main.ts injects the bundled ones).

import { Command, CommanderError } from 'commander';
import { printable, printableErr } from '../util/printable.js';
import { errorLine } from './error-line.js';
import type { Io } from './io.js';
import type { ModelRegistry } from '../property/registry.js';
import { registerCheck } from './commands/check.js';
import { registerList } from './commands/list.js';
import { registerReplay } from './commands/replay.js';
import { registerProve } from './commands/prove.js';
import { registerSimulate } from './commands/simulate.js';
import { registerInit } from './commands/init.js';
import { registerResume } from './commands/resume.js';
import { registerLitmus } from './commands/litmus.js';
import { registerSwarm } from './commands/swarm.js';

export function buildProgram(io: Io, setExit: (code: number) => void, registry: ModelRegistry): Command {
  const program = new Command();
  program
    .name('kmc')
    .description('kmc, the kernel model checker: every interleaving of kernel code paths, or the shortest one that breaks a property')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      // Commander's own errors (unknown option, missing argument) as kmc's: one line, 'kmc: '.
      outputError: (s, write) => write(`kmc: ${s.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')}\n`),
    })
    .showHelpAfterError(false)
    .option('--debug', 'on an error, also print the stack (accepted anywhere on the command line)');
  registerCheck(program, io, setExit, registry);
  registerResume(program, io, setExit, registry);
  registerList(program, io, setExit, registry);
  registerReplay(program, io, setExit, undefined, registry);
  registerProve(program, io, setExit, registry);
  registerSimulate(program, io, setExit, registry);
  registerSwarm(program, io, setExit);
  registerInit(program, io, setExit);
  registerLitmus(program, io, setExit);
  return program;
}

/** What kmc prints on stdout and stderr: never a raw control character from a file or a name. */
export function safeIo(io: Io): Io {
  return { ...io, out: (t) => io.out(printable(t)), err: (t) => io.err(printableErr(t)) };
}

/** Run the CLI on `argv` (process.argv form) with the models of `registry`; resolves to the exit code. */
export async function runProgram(argv: string[], rawIo: Io, registry: ModelRegistry): Promise<number> {
  const end = argv.indexOf('--');
  const isDebug = (a: string, i: number) => a === '--debug' && (end < 0 || i < end);
  const debug = argv.some(isDebug);
  if (debug) argv = argv.filter((a, i) => !isDebug(a, i));
  const io = safeIo(rawIo);
  let code = 0;
  const program = buildProgram(io, (c) => (code = c), registry);
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; every other commander error is bad usage.
      return e.exitCode === 0 ? 0 : 2;
    }
    io.err(errorLine(e));
    if (debug && e instanceof Error && e.stack) io.err(e.stack);
    return 2;
  }
}
