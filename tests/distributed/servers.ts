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
  dir: string;
  process: ChildProcess;
  /** Start it again on the same port and directory (after kill). */
  restart(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

async function waitPing(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG') return;
    await sleep(25);
  }
  throw new Error(`redis-server on port ${port} did not answer`);
}

/** One redis-server; `persist`: append-only file fsynced at every write, so a restart keeps the data. */
export async function startNode(o: { cluster?: boolean; persist?: boolean; dir?: string } = {}): Promise<RedisNode> {
  const port = await freePort();
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'kmc-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--protected-mode', 'no', '--logfile', join(dir, 'redis.log')];
  if (o.persist) args.push('--appendonly', 'yes', '--appendfsync', 'always');
  else args.push('--appendonly', 'no');
  if (o.cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-node-timeout', '2000');
  const node: RedisNode = {
    port,
    dir,
    process: spawn('redis-server', args, { stdio: 'ignore' }),
    async restart() {
      node.process = spawn('redis-server', args, { stdio: 'ignore' });
      await waitPing(port);
    },
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      return new Promise<void>((resolve) => {
        if (node.process.exitCode !== null || node.process.signalCode !== null) return resolve();
        node.process.once('exit', () => resolve());
        node.process.kill(signal);
      });
    },
  };
  await waitPing(port);
  return node;
}

export interface RedisSetup {
  url: string;
  nodes: RedisNode[];
  stop(): Promise<void>;
}

export async function startSingle(o: { persist?: boolean } = {}): Promise<RedisSetup> {
  const n = await startNode(o);
  return { url: `redis://127.0.0.1:${n.port}`, nodes: [n], stop: () => stopAll([n]) };
}

/** Three masters, no replicas, every slot covered. */
export async function startCluster(): Promise<RedisSetup> {
  const nodes = await Promise.all([0, 1, 2].map(() => startNode({ cluster: true })));
  const r = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`redis-cli --cluster create failed: ${r.stdout}${r.stderr}`);
  for (let i = 0; i < 200; i++) {
    const ok = nodes.every((n) => /cluster_state:ok/.test(spawnSync('redis-cli', ['-p', String(n.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout ?? ''));
    if (ok) break;
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${nodes[0]!.port}`, nodes, stop: () => stopAll(nodes) };
}

async function stopAll(nodes: RedisNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
  for (const n of nodes) rmSync(n.dir, { recursive: true, force: true });
}

/** The number of keys on every node (0: a finished run left nothing behind). */
export function keyCount(setup: RedisSetup): number {
  return setup.nodes.reduce((s, n) => s + Number(spawnSync('redis-cli', ['-p', String(n.port), 'dbsize'], { encoding: 'utf8' }).stdout.trim()), 0);
}
