// kmc worker --redis URL: join a distributed run from any machine (src/distributed/worker.ts).

import type { Command } from 'commander';
import type { RunMeta } from '../../distributed/run.js';
import type { ModelRegistry } from '../../property/registry.js';
import { loadModel } from '../../property/load-model.js';
import { UsageError } from '../../util/errors.js';
import type { Io } from '../io.js';
import { VERSION } from '../version.js';
import { parseDuration } from '../options.js';

interface WorkerCliOptions {
  redis: string;
  run?: string;
  model?: string;
  name?: string;
  wait?: number;
}

export function registerWorker(program: Command, io: Io, setExit: (code: number) => void, registry: ModelRegistry): void {
  program
    .command('worker')
    .description('join a distributed run (kmc check --redis URL) from any machine; exit 0 when the run is over, 2 when this worker does not run the same model, variant, parameters and kmc version, 3 when Redis went away')
    .requiredOption('--redis <url>', 'the run\'s Redis: redis://[user:password@]host:port, rediss:// for TLS; a single server or any node of a Redis Cluster')
    .option('--run <id>', 'the run to join (kmc check prints it); default: the only run in progress')
    .option('--model <path>', 'the model file on this machine (default: the bundled model, or the path the coordinator used); its source hash (with the files it imports) must be the run\'s')
    .option('--name <name>', 'this worker\'s name in progress lines (default: host:pid)')
    .option('--wait <duration>', 'give up when no run starts within this long (default: wait)', parseDuration('--wait'))
    .action(async (opts: WorkerCliOptions) => {
      // Imported here, not at the top: the Redis client costs more to load than the rest of kmc
      // (valgrind: about 0.48 G instructions), and every command's registration (kmc --help) loads this file.
      const [{ connect, isConnectionError, RedisAuthError }, { runWorker }, { sourceOf }] = await Promise.all([
        import('../../distributed/connection.js'),
        import('../../distributed/worker.js'),
        import('../run-distributed.js'),
      ]);
      let client;
      try {
        client = await connect(opts.redis);
      } catch (e) {
        if (e instanceof TypeError || e instanceof RedisAuthError) throw new UsageError(e.message);
        io.err(`kmc worker: ${(e as Error).message}`);
        setExit(3);
        return;
      }
      const interrupt = new AbortController();
      const stop = io.onInterrupt?.(() => interrupt.abort());
      try {
        const out = await runWorker({
          client,
          run: opts.run,
          name: opts.name,
          waitMs: opts.wait,
          kmcVersion: VERSION,
          signal: interrupt.signal,
          log: (l) => io.err(l),
          load: async (meta: RunMeta) => {
            const where = opts.model ?? (meta.source.kind === 'bundled' ? meta.source.name : meta.source.path);
            const entry = await loadModel(where, registry);
            return { def: entry.model, properties: entry.properties.properties, sourceFile: sourceOf(entry, registry).sourceFile };
          },
        });
        if (out.code === 0) {
          const how = out.stopped ? 'stopped early (' + out.stopped + '); it stays in Redis, and workers join again when it is resumed' : 'is over';
          io.err(`kmc worker: run ${out.run} ${how} (${out.chunks} chunks, ${out.transitions} transitions here)`);
        }
        else io.err(`kmc worker: ${out.message}`);
        setExit(out.code);
      } catch (e) {
        if (!isConnectionError(e)) throw e;
        io.err(`kmc worker: lost Redis: ${(e as Error).message}`);
        setExit(3);
      } finally {
        stop?.();
        client.disconnect();
      }
    });
}
