// The system bench/spin compares kmc with SPIN on: kvm_lock, kvm_usage_count and per-CPU
// hardware enabling (virt/kvm/kvm_main.c, hardware_enable_all / hardware_disable_all and the
// CPU hotplug callbacks, reduced to their locking and their loops over CPUs), scaled by CPUs and
// VM creators. `promela.ts` writes the same system in Promela statement by statement: every kmc
// location is one Promela label, every kmc action one `d_step` with the same guard and body, so
// the two state graphs are isomorphic (program counters, globals and locals map one to one) and
// SPIN's exhaustive state count equals kmc's (bench/spin.ts checks it before any timing).
//
// Creator (kvm_create_vm then kvm_destroy_vm, forever), with its loop counter `i` a local:
//   spin_lock(&kvm_lock); if (kvm_usage_count++ == 0) for_each_online_cpu(i) enable(i);
//   WARN_ON(an online CPU's hardware state disagrees with the count); spin_unlock(&kvm_lock);
//   run the VM (a step of its own: touches nothing shared);
//   spin_lock(&kvm_lock); if (--kvm_usage_count == 0) for_each_online_cpu(i) disable(i);
//   spin_unlock(&kvm_lock);
// Hotplug of CPU c (c = 1..cpus-1; CPU 0 stays), forever:
//   spin_lock(&kvm_lock); online[c] = 0; hw[c] = 0; spin_unlock(&kvm_lock);
//   the CPU is down (a step of its own);
//   spin_lock(&kvm_lock); online[c] = 1; if (kvm_usage_count) hw[c] = 1; spin_unlock(&kvm_lock).
// Not a bundled model: it exists to be transcribed into Promela; nothing in it is a verdict
// anyone relies on (the assertion holds: every change is made under kvm_lock).

import { choice, declareStraight, defineModel, intParam, spawn, step, threadKind, type StepEnv, type System } from '../../src/model/index.js';
import { assertion, deadlockFree, defineProperties } from '../../src/property/index.js';

export type S = { kvm_lock: number; usage: number; hw: number[]; online: number[] };
type Creator = { i: number };
type Hotplug = { cpu: number };

/** Is the hardware state of every online CPU what kvm_usage_count says? */
export const consistent = (s: S): boolean => s.online.every((on, c) => on === 0 || s.hw[c] === (s.usage > 0 ? 1 : 0));
// The step compiler's form: the same test as a loop (it does not compile `.every` with a callback).
declareStraight(consistent, {
  fn: (s: S): boolean => {
    for (let c = 0; c < s.online.length; c++) if (!(s.online[c] === 0 || s.hw[c] === (s.usage > 0 ? 1 : 0))) return false;
    return true;
  },
});

export const lockHotplug = defineModel({
  name: 'lock-hotplug',
  doc: 'kvm_lock, kvm_usage_count and per-CPU hardware enabling under CPU hotplug (the system bench/spin transcribes into Promela)',
  params: { cpus: intParam(3, 'CPUs (CPU 0 is never hotplugged)', { min: 1, max: 8 }), creators: intParam(2, 'VM creators', { min: 1, max: 6 }) },
  variants: { locked: 'every change under kvm_lock' },
  build({ params }): System<S> {
    const N = params.cpus;
    const lock = (id: string, next: string) =>
      step<S, any>(id, 'spin_lock(&kvm_lock)', { guard: (s) => s.kvm_lock === 0, run: (d, env: StepEnv<any>) => void (d.kvm_lock = env.self + 1), next });
    const unlock = (id: string, next: string, check = false) =>
      step<S, any>(id, 'spin_unlock(&kvm_lock)', {
        run: declareStraight(
          (d: S, env: StepEnv<any>) => {
            if (check) env.warnOn(!consistent(d), 'inconsistent');
            d.kvm_lock = 0;
          },
          { bind: { check, consistent } },
        ),
        next,
      });
    const creator = threadKind<S, Creator>('creator', { i: 0 }, [
      lock('lock1', 'inc'),
      choice<S, Creator>('inc', [
        { label: 'if (kvm_usage_count++ == 0)', guard: (s) => s.usage === 0, run: (d, env) => void ((d.usage = 1), (env.local.i = 0)), next: 'enable' },
        { label: 'if (kvm_usage_count++ == 0)', note: 'not the first', guard: (s) => s.usage !== 0, run: (d) => void (d.usage += 1), next: 'unlock1' },
      ]),
      choice<S, Creator>('enable', [
        { label: 'for_each_online_cpu(i) hardware_enable(i)', guard: declareStraight((s, env) => env.local.i < N && s.online[env.local.i] === 1, { bind: { N } }), run: (d, env) => void ((d.hw[env.local.i] = 1), (env.local.i += 1)), next: 'enable' },
        { label: 'for_each_online_cpu(i)', note: 'offline: skipped', guard: declareStraight((s, env) => env.local.i < N && s.online[env.local.i] === 0, { bind: { N } }), run: (_d, env) => void (env.local.i += 1), next: 'enable' },
        { label: 'for_each_online_cpu(i)', note: 'done', guard: declareStraight((_s, env) => env.local.i === N, { bind: { N } }), next: 'unlock1' },
      ]),
      unlock('unlock1', 'run', true),
      step<S, Creator>('run', 'run the VM', { next: 'lock2' }),
      lock('lock2', 'dec'),
      choice<S, Creator>('dec', [
        { label: 'if (--kvm_usage_count == 0)', guard: (s) => s.usage === 1, run: (d, env) => void ((d.usage = 0), (env.local.i = 0)), next: 'disable' },
        { label: 'if (--kvm_usage_count == 0)', note: 'not the last', guard: (s) => s.usage !== 1, run: (d) => void (d.usage -= 1), next: 'unlock2' },
      ]),
      choice<S, Creator>('disable', [
        { label: 'for_each_online_cpu(i) hardware_disable(i)', guard: declareStraight((s, env) => env.local.i < N && s.online[env.local.i] === 1, { bind: { N } }), run: (d, env) => void ((d.hw[env.local.i] = 0), (env.local.i += 1)), next: 'disable' },
        { label: 'for_each_online_cpu(i)', note: 'offline: skipped', guard: declareStraight((s, env) => env.local.i < N && s.online[env.local.i] === 0, { bind: { N } }), run: (_d, env) => void (env.local.i += 1), next: 'disable' },
        { label: 'for_each_online_cpu(i)', note: 'done', guard: declareStraight((_s, env) => env.local.i === N, { bind: { N } }), next: 'unlock2' },
      ]),
      unlock('unlock2', 'lock1'),
    ]);
    const hotplug = threadKind<S, Hotplug>('hotplug', { cpu: 0 }, [
      lock('lock_down', 'down'),
      step<S, Hotplug>('down', 'set_cpu_online(cpu, false); hardware_disable(cpu)', { run: (d, env) => void ((d.online[env.local.cpu] = 0), (d.hw[env.local.cpu] = 0)), next: 'unlock_down' }),
      unlock('unlock_down', 'offline'),
      step<S, Hotplug>('offline', 'the CPU is down', { next: 'lock_up' }),
      lock('lock_up', 'up'),
      step<S, Hotplug>('up', 'set_cpu_online(cpu, true); if (kvm_usage_count) hardware_enable(cpu)', {
        run: (d, env) => {
          d.online[env.local.cpu] = 1;
          if (d.usage > 0) d.hw[env.local.cpu] = 1;
        },
        next: 'unlock_up',
      }),
      unlock('unlock_up', 'lock_down'),
    ]);
    return {
      init: { kvm_lock: 0, usage: 0, hw: Array.from({ length: N }, () => 0), online: Array.from({ length: N }, () => 1) },
      threads: [
        ...Array.from({ length: params.creators }, (_, k) => spawn(creator, `creator${k}`)),
        ...Array.from({ length: N - 1 }, (_, c) => spawn(hotplug, `cpu${c + 1}/hotplug`, { cpu: c + 1 })),
      ],
    };
  },
});

export const lockHotplugProperties = defineProperties<S>('lock-hotplug', [
  assertion('inconsistent', "at kvm_lock's release after hardware_enable_all, every online CPU's hardware state agrees with kvm_usage_count", 'inconsistent'),
  deadlockFree(),
]);

// A model file for `kmc check` (bench/spin.ts runs it through the CLI for the parallel search).
export default lockHotplug;
export const properties = lockHotplugProperties;
