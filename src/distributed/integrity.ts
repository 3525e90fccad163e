// Is a run's data on Redis whole? A Redis node that restarts without persistence comes back
// empty, and a master that fails over to its replica may have acknowledged writes it never
// replicated (Redis replication is asynchronous): either way some of the visited set, the
// frontier or the counters is gone, and a search that went on would report wrong counts, or
// "verified" for states it never expanded. So a run checks that it is whole, and stops (exit 3)
// when it is not; a later run of the same command finds the damage, deletes the run's keys and
// starts it over. Never a verdict from damaged data.
//
// What tells:
//  - the run's description (meta) lives in the coordination slot, and each shard of the visited
//    set has a mark key (keys.ts) written once, when the run is created: a node that lost its
//    data lost the marks of the shards it held, or the description; the INSERT script refuses a
//    shard whose mark is gone (scripts.ts), so nothing is added to a shard that lost its past;
//  - every master's replication ID is recorded while the run is whole: a master whose previous
//    replication ID (master_replid2) is a recorded one and whose own is not was a replica
//    promoted by a failover.
// A node restarted with its data (an append-only file fsynced at every write) keeps the marks and
// is not a failover: the run goes on.

import type { Client } from './connection.js';
import { masters, RedisLost } from './connection.js';
import type { RunKeys } from './keys.js';

/** The run's data on Redis is not whole: it stops (exit 3), and the same command starts it over. */
export class RunDamaged extends RedisLost {
  override name = 'RunDamaged';
}

/** Is `e` the INSERT script's refusal of a shard that lost its mark (scripts.ts)? */
export function isShardLost(e: unknown): boolean {
  return e instanceof Error && /KMCLOST/.test(e.message);
}

/** What is wrong with the run's data on Redis, or undefined when it is whole (recording the masters it saw). */
export async function damage(client: Client, keys: RunKeys): Promise<string | undefined> {
  if ((await client.exists(keys.meta)) !== 1) return 'its description is gone from Redis (the node holding the coordination keys restarted without persistence?)';
  const marks = await Promise.all(Array.from({ length: keys.shards }, (_, s) => client.exists(keys.mark(s))));
  const lost = marks.flatMap((m, s) => (m === 1 ? [] : [s]));
  if (lost.length > 0) return `${lost.length === 1 ? `shard ${lost[0]} of its visited set is` : `shards ${lost.join(', ')} of its visited set are`} gone from Redis (a node restarted without persistence?)`;
  const recorded = new Set(await client.smembers(keys.masters));
  const ids: string[] = [];
  for (const m of masters(client)) {
    const info = await m.info('replication');
    const id = /master_replid:(\w+)/.exec(info)?.[1];
    const previous = /master_replid2:(\w+)/.exec(info)?.[1];
    if (id === undefined) continue;
    if (!recorded.has(id) && previous !== undefined && recorded.has(previous))
      return `a Redis master failed over to its replica during the run (${m.options.host}:${m.options.port}); replication is asynchronous, so writes the old master acknowledged may be lost`;
    ids.push(id);
  }
  const fresh = ids.filter((x) => !recorded.has(x));
  if (fresh.length > 0) await client.sadd(keys.masters, ...fresh);
  return undefined;
}

/** Does any shard of the run (as `keys` counts them) still hold its mark? (Leftovers of a run whose description is gone.) */
export async function anyShardLeft(client: Client, keys: RunKeys): Promise<boolean> {
  const marks = await Promise.all(Array.from({ length: keys.shards }, (_, s) => client.exists(keys.mark(s))));
  return marks.some((m) => m === 1);
}

/** Delete every key of run `id` on every master (SCAN: a damaged run's levels are not known). */
export async function discardRun(client: Client, id: string): Promise<void> {
  for (const m of masters(client)) {
    let cursor = '0';
    do {
      const [next, found] = await m.scan(cursor, 'MATCH', `kmc:{${id}*`, 'COUNT', 1000);
      cursor = next;
      // One key per command: in a Cluster the keys of one node may lie in different slots.
      await Promise.all(found.map((k) => m.unlink(k)));
    } while (cursor !== '0');
  }
}
