// `npm run bench -- distributed`: the distributed search on Redis (kmc check --redis) on this
// machine: states per second with 1, 2 and 3 worker processes, Redis commands per state, and
// Redis memory per state (INFO memory), against the plain `kmc check --workers 1`. It starts its
// own redis-server (Debian's, on a free loopback port, no persistence) and stops it.
// KMC_BENCH_MODEL, KMC_BENCH_VARIANT, KMC_BENCH_PARAMS (JSON) and KMC_BENCH_WORKERS=1,2,3 change
// what runs. bench/README.md records the figures with the load they were measured at.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODEL = process.env.KMC_BENCH_MODEL ?? 'kvm-hotplug';
const VARIANT = process.env.KMC_BENCH_VARIANT ?? 'v2.6.37';
const PARAMS = JSON.parse(process.env.KMC_BENCH_PARAMS ?? '{"cpus":3,"enableCanFail":false}') as Record<string, unknown>;
const WORKERS = (process.env.KMC_BENCH_WORKERS ?? '1,2,3').split(',').map(Number);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function cli(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout;
}

function info(port: number, field: string): number {
  return Number(new RegExp(`${field}${field.endsWith('=') ? '' : ':'}(\\d+)`).exec(cli(port, 'info', 'all'))?.[1] ?? 0);
}

interface Json {
  status: string;
  stats: { states: number; transitions: number; timeMs: number; bytesPerState: number };
}

function kmc(args: string[]): Promise<{ json: Json; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const c = spawn(process.execPath, ['bin/kmc.js', ...args], { cwd: root });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => void (err += d.toString()));
    c.on('exit', (code) => {
      if (code !== 0 && code !== 1) return reject(new Error(`kmc ${args.join(' ')} exited ${code}: ${err}`));
      resolve({ json: JSON.parse(out) as Json, wallMs: performance.now() - t0 });
    });
  });
}

export async function benchDistributed(): Promise<void> {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    console.log('distributed: redis-server is not installed (apt-get install redis-server); skipped');
    return;
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kmc-bench-redis-'));
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 200 && cli(port, 'ping').trim() !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 25));
    const params = Object.entries(PARAMS).flatMap(([k, v]) => ['--param', `${k}=${String(v)}`]);
    const base = ['check', MODEL, '--variant', VARIANT, ...params, '--no-symmetry', '--json', '--quiet', '--no-traces'];
    console.log(`distributed: ${MODEL} ${VARIANT} ${JSON.stringify(PARAMS)}, redis-server ${cli(port, 'info', 'server').match(/redis_version:(\S+)/)?.[1]} on loopback; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    const plain = await kmc([...base, '--workers', '1']);
    console.log(`  kmc check --workers 1 (no Redis): ${plain.json.stats.states} states, ${plain.json.stats.transitions} transitions, ${(plain.json.stats.timeMs / 1000).toFixed(2)} s search, ${Math.round((plain.json.stats.states / plain.json.stats.timeMs) * 1000)} states/s`);
    for (const w of WORKERS) {
      cli(port, 'config', 'resetstat');
      const d = await kmc([...base, '--redis', `redis://127.0.0.1:${port}`, '--workers', String(w)]);
      const commands = info(port, 'total_commands_processed');
      const peak = info(port, 'used_memory_peak');
      const scripts = info(port, 'cmdstat_evalsha:calls=') + info(port, 'cmdstat_eval:calls=');
      const net = info(port, 'total_net_input_bytes') + info(port, 'total_net_output_bytes');
      const s = d.json.stats;
      if (s.states !== plain.json.stats.states || s.transitions !== plain.json.stats.transitions) throw new Error(`distributed run disagrees: ${s.states}/${s.transitions} vs ${plain.json.stats.states}/${plain.json.stats.transitions}`);
      console.log(
        `  --redis --workers ${w}: ${Math.round((s.states / s.timeMs) * 1000)} states/s (search ${(s.timeMs / 1000).toFixed(2)} s, wall ${(d.wallMs / 1000).toFixed(2)} s with process starts), ` +
          `${(commands / s.states).toFixed(2)} Redis commands/state (those the Lua scripts run and idle polls included; ${(scripts / s.states).toFixed(3)} script calls/state), ${Math.round(net / s.states)} bytes/state over the network, ${Math.round(s.bytesPerState)} bytes/state at the end (visited set + parent links), peak ${Math.round(peak / s.states)} bytes/state; load ${loadavg()[0]!.toFixed(2)}`,
      );
    }
  } finally {
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

export const section = { name: 'distributed', doc: 'the distributed search on Redis: states/s with 1-3 worker processes, Redis commands and bytes per state', run: benchDistributed };
