// One connection to the run's Redis: a single server or a Redis Cluster, told apart by asking the
// server (INFO cluster), so `--redis URL` names either. ioredis does the rest: cluster slot
// routing and redirections, pipelining, AUTH (redis://user:password@host), TLS (rediss://).
//
// Credentials Redis refuses, and a TLS certificate this machine does not trust, are usage errors
// (exit 2), said as such.
//
// A run must fail cleanly when Redis goes away, never hang or guess: commands are not retried
// for long (a few reconnection attempts over about two seconds), then every pending command
// fails and the caller exits 3 with the run left in Redis to resume.

import { isIP } from 'node:net';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { SCRIPTS, type ScriptName } from './scripts.js';

export type Client = Redis | Cluster;

/** Redis is unreachable or lost the run's data: the run stops (exit 3) and can be resumed. */
export class RedisLost extends Error {
  override name = 'RedisLost';
}

/** Redis refused the credentials (or wants some), or its TLS certificate is not trusted: a usage error (exit 2), not a lost run. */
export class RedisAuthError extends Error {
  override name = 'RedisAuthError';
}

/** What an authentication or TLS refusal says, or undefined when `e` is not one. */
function refusal(e: unknown): string | undefined {
  const m = e instanceof Error ? e.message : '';
  const code = (e as { code?: unknown } | undefined)?.code;
  if (/WRONGPASS/.test(m)) return 'wrong user name or password (WRONGPASS); give the credentials in the URL: redis://[user]:password@host:port';
  if (/NOAUTH/.test(m)) return 'it requires a password, and the URL gives none (NOAUTH); give the credentials in the URL: redis://[user]:password@host:port';
  if (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code))
    return `its TLS certificate is not trusted here (${m}); give the certificate of the CA that signed it with NODE_EXTRA_CA_CERTS=ca.pem`;
  return undefined;
}

const RECONNECTS = 8;

function options(url: URL): RedisOptions {
  return {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    // SNI names a host, never an address (RFC 6066): Node warns when it is given one.
    ...(url.protocol === 'rediss:' ? { tls: isIP(url.hostname.replace(/^\[|\]$/g, '')) ? {} : { servername: url.hostname } } : {}),
    maxRetriesPerRequest: 2,
    retryStrategy: (times: number) => (times > RECONNECTS ? null : Math.min(50 * 2 ** times, 500)),
    connectTimeout: 5000,
    enableAutoPipelining: true,
    lazyConnect: true,
  };
}

function parse(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`--redis: '${url}' is not a URL (redis://host:port or rediss://user:password@host:port)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new TypeError(`--redis: '${url}' is not a redis:// or rediss:// URL`);
  return u;
}

function define(c: Client): void {
  // Failures reach the caller through the commands that fail (and end in exit 3); the client's
  // own 'error' events would otherwise be printed as unhandled.
  c.on('error', () => {});
  for (const [name, s] of Object.entries(SCRIPTS)) c.defineCommand(name, { numberOfKeys: s.keys, lua: s.lua });
}

/** Connect to the server or cluster at `url` (with the scripts defined). */
export async function connect(url: string): Promise<Client> {
  const u = parse(url);
  const o = options(u);
  const port = Number(u.port || 6379);
  const host = u.hostname || '127.0.0.1';
  const probe = new Redis({ ...o, host, port, db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0 });
  let refused: string | undefined;
  probe.on('error', (e) => void (refused ??= refusal(e)));
  try {
    await probe.connect();
    const info = await probe.info('cluster');
    if (!/cluster_enabled:1/.test(info)) {
      define(probe);
      return probe;
    }
  } catch (e) {
    probe.disconnect();
    const why = refused ?? refusal(e);
    if (why) throw new RedisAuthError(`Redis at ${host}:${port}: ${why}`);
    throw new RedisLost(`cannot reach Redis at ${host}:${port}: ${(e as Error).message}`);
  }
  probe.disconnect();
  const { retryStrategy, lazyConnect, ...redisOptions } = o;
  void retryStrategy;
  const cluster = new Cluster([{ host, port }], {
    redisOptions,
    maxRedirections: 16,
    enableAutoPipelining: true,
    clusterRetryStrategy: (times: number) => (times > RECONNECTS ? null : Math.min(50 * 2 ** times, 500)),
    lazyConnect,
  });
  try {
    await cluster.connect();
  } catch (e) {
    cluster.disconnect();
    throw new RedisLost(`cannot reach the Redis Cluster at ${host}:${port}: ${(e as Error).message}`);
  }
  define(cluster);
  return cluster;
}

/** Run one of the scripts of scripts.ts (defined on every client by connect). */
export function script(c: Client | ReturnType<Client['pipeline']>, name: ScriptName, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
  const f = (c as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!;
  return f.call(c, ...keys, ...args);
}

/** Every master of the connection (one for a single server), for INFO and for deleting by node. */
export function masters(c: Client): Redis[] {
  return c instanceof Cluster ? c.nodes('master') : [c];
}

export function isConnectionError(e: unknown): boolean {
  if (e instanceof RedisLost) return true;
  const m = e instanceof Error ? e.message : String(e);
  return /KMCLOST|Too many Cluster redirections|TRYAGAIN|LOADING|MASTERDOWN|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|Reached the max retries|connect ETIMEDOUT|Failed to refresh slots cache|CLUSTERDOWN|None of startup nodes is available|Stream isn't writeable|MaxRetriesPerRequest/i.test(m);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
