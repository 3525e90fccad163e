// Small parameters of the bundled models for the distributed tests (hundreds to a few thousand
// states, so that each run takes seconds).
export const SMALL: Record<string, Record<string, number | boolean>> = {
  'kvm-hotplug': { cpus: 2, creators: 1, rounds: 1, enableCanFail: false, suspend: false },
  'pm-freeze': { hotplug: 0 },
  'xen-remove-from-physmap': {},
  'kvm-intx-mask': { irqs: 1, maskRounds: 0, deassign: 0 },
  'sched-delayed-dequeue': { interrupts: 1, halts: 1, preemptions: 0, freezer: false },
};
