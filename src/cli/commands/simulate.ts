// kmc simulate <model> --runs N --seed S: random search with fast-check schedules, for models
// too big to exhaust. A violation is shrunk (fewer context switches, fewer steps) and shown like
// a check's counterexample. Finding nothing is never a proof: exit 3. Liveness properties
// (the built-in livelock among them) are checked only on the lassos the runs close (a run that
// comes back to a state, or stops), and the output says so (src/random/simulate.ts).

import type { Command } from 'commander';
import { compileModel } from '../../model/compile.js';
import { parseParamArgs } from '../../model/params.js';
import { selectProperties } from '../../engine/evaluate.js';
import { formatPath } from '../../engine/chooser.js';
import { renderViolation } from '../../report/text.js';
import { UsageError } from '../../util/errors.js';
import { checkDeterminism } from '../determinism.js';
import { withBuiltinLiveness } from '../../property/liveness.js';
import type { Io } from '../io.js';
import { loadModel } from '../../property/load-model.js';
import type { ModelRegistry } from '../../property/registry.js';
import { collect, parseBytes, parseCount, parseDuration } from '../options.js';
import { DEFAULT_TRACE_DIR, renderWrittenTraces, writeViolationTrace } from '../traces.js';

interface SimulateCliOptions {
  variant?: string;
  param: string[];
  property: string[];
  runs: number;
  seed?: number;
  depth: number;
  json?: boolean;
  traceDir: string;
  traces: boolean;
  force?: boolean;
  swarm?: number;
  swarmIndex?: number;
  workers?: number;
}

function parseIndex(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new UsageError(`--swarm-index expects a member number 0, 1, 2..., not '${v}'`);
  return Number(v.trim());
}

/** At most this many members in one swarm. */
const MAX_SWARM = 100_000;

function parseSeed(v: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new UsageError(`--seed expects an integer, not '${v}'`);
  const n = Number(v.trim());
  // fast-check seeds are 32-bit; a larger one would silently become another seed.
  if (n < -(2 ** 31) || n > 2 ** 31 - 1) throw new UsageError(`--seed ${v} is out of range: seeds are 32-bit integers, -2147483648 to 2147483647`);
  return n;
}

export function registerSimulate(program: Command, io: Io, setExit: (code: number) => void, registry: ModelRegistry): void {
  program
    .command('simulate')
    .description('random search (fast-check schedules, shrunk on failure); exit 1 violated, 3 nothing found (not a proof)')
    .argument('<model>', 'a bundled model name or a path to a model module')
    .option('--variant <name>', "the variant (default: the model's first)")
    .option('--param <name=value>', 'set a parameter (repeatable)', collect, [])
    .option('--property <name>', 'check only this property (repeatable)', collect, [])
    .option('--runs <n>', 'random runs', parseCount('--runs'), 1000)
    .option('--seed <n>', 'seed (default: random, printed so the run can be repeated)', parseSeed)
    .option('--depth <n>', 'steps per run at most', parseCount('--depth'), 200)
    .option('--json', 'machine-readable result')
    .option('--trace-dir <dir>', 'where to write the trace file of a violation', DEFAULT_TRACE_DIR)
    .option('--no-traces', 'write no trace file')
    .option('--max-time <duration>', 'stop the random search after this long, e.g. 60s (exit 3: nothing found is not a proof)', parseDuration('--max-time'))
    .option('--max-memory <size>', 'stop the random search if kmc uses this much memory, e.g. 4G (exit 3)', parseBytes('--max-memory'))
    .option('--force', 'replace a file in the way of the trace file that kmc did not write')
    .option('--swarm <n>', 'swarm search (SPIN swarm verification): N independent members, each with its own seed, depth bound (depth/4 to depth) and way of choosing steps, --runs runs each; all N here one after the other, or one with --swarm-index; merge their --json reports with kmc swarm merge. Proves nothing', parseCount('--swarm'))
    .option('--workers <n>', 'with --swarm N: worker threads running the members (default: one per core, at most N)', parseCount('--workers'))
    .option('--swarm-index <i>', 'with --swarm N: run only member i (0 to N-1), e.g. one CI matrix job each; give every member the same --seed', parseIndex)
    .action((name: string, opts: SimulateCliOptions) => {
      if (opts.swarmIndex !== undefined && opts.swarm === undefined) throw new UsageError('--swarm-index goes with --swarm N');
      if (opts.workers !== undefined && opts.swarm === undefined) throw new UsageError('--workers goes with --swarm N (without it kmc simulate is one random search)');
      if (opts.swarm !== undefined) {
        if (opts.swarm > MAX_SWARM) throw new UsageError(`--swarm ${opts.swarm}: at most ${MAX_SWARM} members`);
        if (opts.swarmIndex !== undefined && opts.swarmIndex >= opts.swarm) throw new UsageError(`--swarm-index ${opts.swarmIndex}: the members of a swarm of ${opts.swarm} are 0 to ${opts.swarm - 1}`);
        if (opts.swarmIndex !== undefined && opts.seed === undefined)
          throw new UsageError('--swarm-index: give --seed S too, the same for every member (a member derives its own seed from it; members of different seeds are different swarms and do not merge)');
      }
      return loadModel(name, registry).then(async (entry) => {
        // Imported here: the random search (fast-check) and the swarm's pool are no part of kmc --help.
        const [{ simulate }, { runSwarm }] = await Promise.all([import('../../random/simulate.js'), import('../swarm.js')]);
        const model = compileModel(entry.model, { variant: opts.variant, params: parseParamArgs(opts.param) });
        const all = withBuiltinLiveness(entry.properties);
        const selected = selectProperties(all, opts.property, entry.model.name);
        // The walks evaluate compiled invariants too: the probe compares them with the properties.
        checkDeterminism(model, { properties: selected });
        const safety = selected.filter((p) => p.kind !== 'liveness').map((p) => p.name);
        const liveness = selected.filter((p) => p.kind === 'liveness').map((p) => p.name);
        const seed = opts.seed ?? (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
        if (opts.swarm !== undefined) {
          const base = { size: opts.swarm, seed, depth: opts.depth, runs: opts.runs };
          const run = { entry, registry: registry.module, model, all, selected, base, index: opts.swarmIndex, params: parseParamArgs(opts.param), property: opts.property, workers: opts.workers };
          setExit(await runSwarm({ ...run, json: opts.json === true, traces: opts.traces, traceDir: opts.traceDir, force: opts.force }, io));
          return;
        }
        const r = simulate(model, all, selected, { runs: opts.runs, seed, depth: opts.depth });
        const who = `${model.name} --variant ${model.variant}`;
        if (opts.json) {
          const data =
            r.status === 'violated'
              ? { status: r.status, property: r.violation.property.name, message: r.violation.message, replay: formatPath(r.violation.path), steps: r.violation.path.length, ...(r.violation.loop !== undefined ? { loop: r.violation.loop } : {}), run: r.runs, seed: r.seed, shrunkFrom: r.shrunkFrom, switches: r.switches }
              : r.status === 'no-violation'
                ? { ...r, properties: safety, livenessOnLassos: liveness }
                : r;
          io.out(JSON.stringify(data, null, 2));
        }
        if (r.status === 'error') {
          io.err(`kmc: ${r.message}`);
          setExit(2);
          return;
        }
        if (r.status === 'no-violation') {
          if (!opts.json)
            io.out(
              `NO VIOLATION FOUND ${who}: ${r.runs} random runs of at most ${r.depth} steps (seed ${r.seed}). This is not a proof: use kmc check for one.\n` +
                `Properties checked: ${safety.join(', ') || '(no safety property)'}` +
                (liveness.length
                  ? `\nLiveness (${liveness.join(', ')}): checked only on the lassos the runs closed (${r.lassos} of ${r.runs} runs came back to a state or stopped); a random run proves no liveness property`
                  : ''),
            );
          setExit(3);
          return;
        }
        const violation = {
          property: r.violation.property.name,
          kind: r.violation.property.kind,
          path: r.violation.path,
          message: r.violation.message,
          ...(r.violation.blocked ? { blocked: r.violation.blocked } : {}),
          ...(r.violation.loop !== undefined ? { loop: r.violation.loop } : {}),
        };
        const written = opts.traces ? writeViolationTrace(opts.traceDir, entry.source, model, violation, 'simulate', opts.force) : undefined;
        if (!opts.json) {
          io.out(
            `VIOLATED ${who}: ${r.violation.property.name}, found by random search in run ${r.runs} (seed ${r.seed}); ` +
              // Shrinking removes context switches; the trace may come out longer than the first hit.
              `first hit after ${r.shrunkFrom} steps, shrunk to ${r.switches} context switch${r.switches === 1 ? '' : 'es'} (${r.violation.path.length} steps)`,
          );
          io.out(renderViolation(model, violation));
          if (written) io.out(renderWrittenTraces([written], entry.source));
        } else if (written) io.err(renderWrittenTraces([written], entry.source));
        setExit(1);
      });
    });
}
