// kmc as child processes (`node bin/kmc.js`, from the dist/ tree `npm test` builds first), for the
// distributed tests that need real processes: several worker processes, SIGKILLed workers and
// coordinators, a Redis node that goes away.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { SMALL } from './small.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const built = existsSync(join(root, 'dist', 'src', 'distributed', 'worker.js'));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

export interface Running {
  child: ChildProcess;
  done: Promise<Finished>;
  err(): string;
}

export function start(...args: string[]): Running {
  return startWith({}, ...args);
}

/** start() with these environment variables added. */
export function startWith(env: Record<string, string>, ...args: string[]): Running {
  const child = spawn(process.execPath, ['bin/kmc.js', ...args], { cwd: root, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => void (err += d.toString()));
  const done = new Promise<Finished>((resolve) => child.on('exit', (code, signal) => setImmediate(() => resolve({ code, signal, out, err }))));
  return { child, done, err: () => err };
}

export function kmc(...args: string[]): Promise<Finished> {
  return start(...args).done;
}

/** What must not depend on how the search ran, from `kmc check --json`. */
export function essence(json: string): unknown {
  const r = JSON.parse(json) as {
    status: string;
    stats?: { states: number; transitions: number; diameter: number };
    properties?: { name: string; status: string }[];
    violations?: { property: string; path: unknown; message: string }[];
  };
  return {
    status: r.status,
    states: r.stats?.states,
    transitions: r.stats?.transitions,
    diameter: r.stats?.diameter,
    properties: r.properties?.map((p) => `${p.name}: ${p.status}`),
    violations: r.violations?.map((v) => ({ property: v.property, path: v.path, message: v.message })) ?? [],
  };
}

/** The check the failure tests run: kvm-hotplug v2.6.37, small (1,534 states, 30 levels, violated). */
export const CHECK = ['check', 'kvm-hotplug', '--variant', 'v2.6.37', ...Object.entries(SMALL['kvm-hotplug']!).flatMap(([k, v]) => ['--param', `${k}=${v}`]), '--json', '--no-traces'];

/** A check that holds: kvm-intx-mask merged, small (1,216 states, 46 levels, verified). */
export const CHECK_HOLDS = ['check', 'kvm-intx-mask', '--variant', 'merged', ...Object.entries(SMALL['kvm-intx-mask']!).flatMap(([k, v]) => ['--param', `${k}=${v}`]), '--json', '--no-traces'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll the run on Redis until `ready` says so (or the process ended): the moment to strike. */
export async function waitFor(url: string, running: Running, ready: (r: Redis, id: string, phase: Record<string, string>) => Promise<boolean>): Promise<void> {
  const r = new Redis(url);
  try {
    for (let i = 0; i < 4000; i++) {
      if (running.child.exitCode !== null) throw new Error(`the process ended before the moment came: ${running.err()}`);
      const [id] = await r.smembers('kmc:runs');
      if (id !== undefined) {
        const phase = await r.hgetall(`kmc:{${id}}:phase`);
        if (await ready(r, id, phase)) return;
      }
      await sleep(5);
    }
    throw new Error('the run never reached the moment to strike');
  } finally {
    r.disconnect();
  }
}
