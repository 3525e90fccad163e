// Real Redis servers for the distributed tests: redis-server processes on free loopback ports,
// each with its own directory, a single node or a 3-master cluster (redis-cli --cluster create),
// stopped by the test. Skipped, saying why, only when redis-server is not installed (.ci/run
// installs Debian's).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const redisInstalled = spawnSync('redis-server', ['--version']).status === 0 && spawnSync('redis-cli', ['--version']).status === 0;
export const SKIP_REASON = 'redis-server and redis-cli are not installed (Debian: apt-get install redis-server; .ci/run does it)';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RedisNode {
  port: number;
  /** redis-cli's flags to reach it (TLS, password). */
  cli: string[];
  dir: string;
  process: ChildProcess;
  /** Start it again on the same port and directory (after kill). */
  restart(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

async function waitPing(port: number, cli: readonly string[] = []): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), ...cli, 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG') return;
    await sleep(25);
  }
  throw new Error(`redis-server on port ${port} did not answer`);
}

export interface NodeOptions {
  cluster?: boolean;
  /** Append-only file fsynced at every write, so a restart keeps the data. */
  persist?: boolean;
  dir?: string;
  /** requirepass. */
  password?: string;
  /** Serve TLS only, with this certificate and key (PEM files). */
  tls?: { cert: string; key: string };
}

/** One redis-server. */
export async function startNode(o: NodeOptions = {}): Promise<RedisNode> {
  const port = await freePort();
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'kmc-redis-'));
  const cli: string[] = [];
  const serve = o.tls ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', o.tls.cert, '--tls-key-file', o.tls.key, '--tls-ca-cert-file', o.tls.cert, '--tls-auth-clients', 'no'] : ['--port', String(port)];
  if (o.tls) cli.push('--tls', '--cacert', o.tls.cert);
  if (o.password !== undefined) cli.push('--no-auth-warning', '-a', o.password);
  const args = [...serve, ...(o.password !== undefined ? ['--requirepass', o.password] : []), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--protected-mode', 'no', '--logfile', join(dir, 'redis.log')];
  if (o.persist) args.push('--appendonly', 'yes', '--appendfsync', 'always');
  else args.push('--appendonly', 'no');
  if (o.cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-node-timeout', '2000');
  const node: RedisNode = {
    port,
    cli,
    dir,
    process: spawn('redis-server', args, { stdio: 'ignore' }),
    async restart() {
      node.process = spawn('redis-server', args, { stdio: 'ignore' });
      await waitPing(port, cli);
    },
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      return new Promise<void>((resolve) => {
        if (node.process.exitCode !== null || node.process.signalCode !== null) return resolve();
        node.process.once('exit', () => resolve());
        node.process.kill(signal);
      });
    },
  };
  await waitPing(port, cli);
  return node;
}

export interface RedisSetup {
  url: string;
  nodes: RedisNode[];
  stop(): Promise<void>;
}

export async function startSingle(o: Pick<NodeOptions, 'persist' | 'password' | 'tls'> = {}): Promise<RedisSetup> {
  const n = await startNode(o);
  const auth = o.password !== undefined ? `:${encodeURIComponent(o.password)}@` : '';
  return { url: `${o.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${n.port}`, nodes: [n], stop: () => stopAll([n]) };
}

/** Three masters, every slot covered; with `replicas`, one replica each (in sync when this returns). */
export async function startCluster(o: { replicas?: boolean } = {}): Promise<RedisSetup> {
  const nodes = await Promise.all(Array.from({ length: o.replicas ? 6 : 3 }, () => startNode({ cluster: true })));
  const r = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', o.replicas ? '1' : '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`redis-cli --cluster create failed: ${r.stdout}${r.stderr}`);
  const info = (n: RedisNode, what: string) => spawnSync('redis-cli', ['-p', String(n.port), ...what.split(' ')], { encoding: 'utf8' }).stdout ?? '';
  for (let i = 0; i < 400; i++) {
    const synced = (n: RedisNode) => {
      const repl = info(n, 'info replication');
      return /role:master/.test(repl) ? /connected_slaves:1/.test(repl) : /master_link_status:up/.test(repl);
    };
    const ok = nodes.every((n) => /cluster_state:ok/.test(info(n, 'cluster info')) && (!o.replicas || synced(n)));
    if (ok) break;
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${nodes[0]!.port}`, nodes, stop: () => stopAll(nodes) };
}

/** The node's role as it says (INFO replication): master or slave. */
export function role(n: RedisNode): string {
  return /role:(\w+)/.exec(spawnSync('redis-cli', ['-p', String(n.port), ...n.cli, 'info', 'replication'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 'down';
}

/** Wait until `masters` live nodes are masters (a replica took over a dead one) and every live node says the cluster is ok. */
export async function clusterOk(nodes: readonly RedisNode[], masters = 3): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const live = nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);
    const ok = live.every((n) => /cluster_state:ok/.test(spawnSync('redis-cli', ['-p', String(n.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout ?? ''));
    if (ok && live.filter((n) => role(n) === 'master').length === masters) return;
    await sleep(50);
  }
  throw new Error('the cluster did not become ok again');
}

async function stopAll(nodes: RedisNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
  for (const n of nodes) rmSync(n.dir, { recursive: true, force: true });
}

/** The number of keys on every node (0: a finished run left nothing behind). */
export function keyCount(setup: RedisSetup): number {
  return setup.nodes.reduce((s, n) => s + Number(spawnSync('redis-cli', ['-p', String(n.port), ...n.cli, 'dbsize'], { encoding: 'utf8' }).stdout.trim()), 0);
}
