// A distributed run inside the test process: the coordinator and N workers (each with its own
// Redis connection, interleaving at every Redis round trip), against a real server. The CLI tests
// (cli.test.ts) run the same code as separate processes.

import { fileURLToPath } from 'node:url';
import { coordinate, type CoordinatorOptions } from '../../src/distributed/coordinator.js';
import { connect, type Client } from '../../src/distributed/connection.js';
import { runWorker, type WorkerExit } from '../../src/distributed/worker.js';
import type { CheckResult } from '../../src/engine/result.js';
import type { ModelDef } from '../../src/model/types.js';
import type { Property, PropertySet } from '../../src/property/types.js';

const KMC_VERSION = 'test';
/** The file hashed into the runs' identity (any file does: every process of a run hashes the same one). */
export const SOURCE_FILE = fileURLToPath(import.meta.url);

export interface InProcessRun {
  result: CheckResult;
  workers: WorkerExit[];
}

export async function distributedCheck(
  url: string,
  def: ModelDef,
  properties: PropertySet,
  workers: number,
  o: Partial<Pick<CoordinatorOptions, 'variant' | 'params' | 'property' | 'symmetry' | 'preemptionBound' | 'first' | 'maxDepth' | 'maxStates' | 'shards' | 'claimAfterMs' | 'rankSegment'>> = {},
): Promise<InProcessRun> {
  const clients: Client[] = [];
  const open = async () => {
    const c = await connect(url);
    clients.push(c);
    return c;
  };
  try {
    const client = await open();
    const props = properties.properties as readonly Property[];
    let started: Promise<WorkerExit[]> | undefined;
    const out = await coordinate({
      client,
      def,
      properties: props,
      source: { kind: 'file', path: 'in-process' },
      sourceFile: SOURCE_FILE,
      kmcVersion: KMC_VERSION,
      variant: o.variant,
      params: o.params ?? {},
      property: o.property ?? props.filter((p) => p.kind !== 'liveness').map((p) => p.name),
      symmetry: o.symmetry ?? false,
      preemptionBound: o.preemptionBound,
      first: o.first,
      maxDepth: o.maxDepth,
      maxStates: o.maxStates,
      rankSegment: o.rankSegment,
      shards: o.shards,
      claimAfterMs: o.claimAfterMs,
      progressIntervalMs: 0,
      onRun: async (id) => {
        const cs = await Promise.all(Array.from({ length: workers }, () => open()));
        started = Promise.all(
          cs.map((c, i) => runWorker({ client: c, run: id, name: `w${i}`, kmcVersion: KMC_VERSION, load: async () => ({ def, properties: props, sourceFile: SOURCE_FILE }) })),
        );
      },
    });
    return { result: out.result, workers: await started! };
  } finally {
    for (const c of clients) c.disconnect();
  }
}
