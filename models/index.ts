// The bundled models and their properties: what `kmc list` shows and `kmc check --all` checks.
// Each entry names its model's source file, which is what worker threads load.

import type { ModelEntry, ModelRegistry } from '../src/property/index.js';
import kvmHotplug from './kvm-hotplug.js';
import { properties as kvmHotplugProperties } from '../properties/kvm-hotplug.js';
import pmFreeze from './pm-freeze.js';
import { properties as pmFreezeProperties } from '../properties/pm-freeze.js';
import xenRemoveFromPhysmap from './xen-remove-from-physmap.js';
import { properties as xenRemoveFromPhysmapProperties } from '../properties/xen-remove-from-physmap.js';
import kvmIntxMask from './kvm-intx-mask.js';
import { properties as kvmIntxMaskProperties } from '../properties/kvm-intx-mask.js';
import schedDelayedDequeue from './sched-delayed-dequeue.js';
import { properties as schedDelayedDequeueProperties } from '../properties/sched-delayed-dequeue.js';

export type { ModelEntry };

export const bundled: ModelEntry[] = [
  // (one line per bundled model, in the order of ../shared/MODELS.md)
  { model: kvmHotplug, properties: kvmHotplugProperties, source: 'models/kvm-hotplug.ts' },
  { model: pmFreeze, properties: pmFreezeProperties, source: 'models/pm-freeze.ts' },
  { model: xenRemoveFromPhysmap, properties: xenRemoveFromPhysmapProperties, source: 'models/xen-remove-from-physmap.ts' },
  { model: kvmIntxMask, properties: kvmIntxMaskProperties, source: 'models/kvm-intx-mask.ts' },
  { model: schedDelayedDequeue, properties: schedDelayedDequeueProperties, source: 'models/sched-delayed-dequeue.ts' },
];

/** The bundled models as the CLI's entry module injects them (module: where worker threads import them from). */
export const registry: ModelRegistry = { entries: bundled, module: import.meta.url };
