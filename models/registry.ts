// The bundled models and their properties: what `kmc list` shows and `kmc check --all` checks.
// Each entry names its model's source file (what worker threads load) and imports the model and
// its properties only when a command asks for that model: `kmc check xen-remove-from-physmap`
// loads one model, not five (start-up time: bench/startup.ts). models/index.ts has them loaded.

import { lazyRegistry, type ModelRegistry } from '../src/property/index.js';

/** The bundled models as the CLI's entry module injects them (module: where worker threads import them from). */
export const registry: ModelRegistry = lazyRegistry(
  [
    // (one line per bundled model, in the order of ../shared/MODELS.md)
    { name: 'kvm-hotplug', source: 'models/kvm-hotplug.ts', load: async () => ({ model: (await import('./kvm-hotplug.js')).default, properties: (await import('../properties/kvm-hotplug.js')).properties }) },
    { name: 'pm-freeze', source: 'models/pm-freeze.ts', load: async () => ({ model: (await import('./pm-freeze.js')).default, properties: (await import('../properties/pm-freeze.js')).properties }) },
    {
      name: 'xen-remove-from-physmap',
      source: 'models/xen-remove-from-physmap.ts',
      load: async () => ({ model: (await import('./xen-remove-from-physmap.js')).default, properties: (await import('../properties/xen-remove-from-physmap.js')).properties }),
    },
    { name: 'kvm-intx-mask', source: 'models/kvm-intx-mask.ts', load: async () => ({ model: (await import('./kvm-intx-mask.js')).default, properties: (await import('../properties/kvm-intx-mask.js')).properties }) },
    {
      name: 'sched-delayed-dequeue',
      source: 'models/sched-delayed-dequeue.ts',
      load: async () => ({ model: (await import('./sched-delayed-dequeue.js')).default, properties: (await import('../properties/sched-delayed-dequeue.js')).properties }),
    },
  ],
  import.meta.url,
);
