// The kmc command line. Each command lives in its own file under commands/ and registers
// itself here; this file maps errors to exit codes: every failure that is not a verdict is exit 2
// with one line naming what and where (the stack only with --debug). The models
// it knows by name come in as a registry (main.ts injects the bundled ones).

import { Command, CommanderError } from 'commander';
import { printable, printableErr } from '../util/printable.js';
import { errorLine } from './error-line.js';
import type { Io } from './io.js';
import type { ModelRegistry } from '../property/registry.js';
type Register = (program: Command, io: Io, setExit: (code: number) => void, registry: ModelRegistry) => void;

/**
 * The commands, in the order help lists them, each loaded only when it is registered: a run of
 * one command (the usual case) imports that command's module alone, not every command's reporters
 * and engines (start-up time: bench/startup.ts).
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  check: async () => (await import('./commands/check.js')).registerCheck,
  resume: async () => (await import('./commands/resume.js')).registerResume,
  list: async () => (await import('./commands/list.js')).registerList,
  replay: async () => {
    const { registerReplay } = await import('./commands/replay.js');
    return (program, io, setExit, registry) => registerReplay(program, io, setExit, undefined, registry);
  },
  prove: async () => (await import('./commands/prove.js')).registerProve,
  simulate: async () => (await import('./commands/simulate.js')).registerSimulate,
  swarm: async () => (await import('./commands/swarm.js')).registerSwarm,
  init: async () => (await import('./commands/init.js')).registerInit,
  litmus: async () => (await import('./commands/litmus.js')).registerLitmus,
  worker: async () => (await import('./commands/worker.js')).registerWorker,
};

/**
 * The command `argv` (process.argv form) runs: its first word before `--` that is not an option,
 * when that is a command's name. Otherwise (no command, `help`, a misspelt one) undefined, and
 * every command is registered, for the help and for commander's "did you mean".
 */
export function commandOf(argv: readonly string[]): string | undefined {
  for (const a of argv.slice(2)) {
    if (a === '--') return undefined;
    if (a.startsWith('-')) continue;
    return Object.hasOwn(COMMANDS, a) ? a : undefined;
  }
  return undefined;
}

/** The program with every command, or with only the command `only` (commandOf). */
export async function buildProgram(io: Io, setExit: (code: number) => void, registry: ModelRegistry, only?: string): Promise<Command> {
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
  for (const name of only !== undefined ? [only] : Object.keys(COMMANDS)) (await COMMANDS[name]!())(program, io, setExit, registry);
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
  try {
    const program = await buildProgram(io, (c) => (code = c), registry, commandOf(argv));
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
