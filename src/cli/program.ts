// The kmc command line. Each command lives in its own file under commands/ and registers
// itself here; this file maps errors to exit codes: 2 for bad usage or a broken model. The models
// it knows by name come in as a registry (main.ts injects the bundled ones).

import { Command, CommanderError } from 'commander';
import { ModelError, UsageError } from '../util/errors.js';
import type { Io } from './io.js';
import type { ModelRegistry } from '../property/registry.js';
import { registerCheck } from './commands/check.js';
import { registerList } from './commands/list.js';
import { registerReplay } from './commands/replay.js';
import { registerProve } from './commands/prove.js';
import { registerSimulate } from './commands/simulate.js';

export function buildProgram(io: Io, setExit: (code: number) => void, registry: ModelRegistry): Command {
  const program = new Command();
  program
    .name('kmc')
    .description('kmc, the kernel model checker: every interleaving of kernel code paths, or the shortest one that breaks a property')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError(false);
  registerCheck(program, io, setExit, registry);
  registerList(program, io, setExit, registry);
  registerReplay(program, io, setExit, undefined, registry);
  registerProve(program, io, setExit, registry);
  registerSimulate(program, io, setExit, registry);
  return program;
}

/** Run the CLI on `argv` (process.argv form) with the models of `registry`; resolves to the exit code. */
export async function runProgram(argv: string[], io: Io, registry: ModelRegistry): Promise<number> {
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
    if (e instanceof UsageError || e instanceof ModelError) {
      io.err(`kmc: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
