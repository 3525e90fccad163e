// The CLI's entry module (what bin/kmc.js runs): the one place where the bundled models meet the
// command line. It injects their registry into the program (program.ts), so that no command
// imports a model; a test (tests/layering.test.ts) keeps it that way.

import { registry } from '../../models/registry.js';
import { processIo, type Io } from './io.js';
import { runProgram } from './program.js';

/** Run the CLI on `argv` (process.argv form) with the bundled models; resolves to the exit code. */
export function run(argv: string[], io: Io = processIo): Promise<number> {
  return runProgram(argv, io, registry);
}
