// Kernel primitives: state fragments and step builders that let a model read like the C code.
export * from './spinlock.js';
export * from './mutex.js';
export * from './atomic.js';
export * from './cpumask.js';
export * from './irq.js';
export * from './on-each-cpu.js';
export * from './preempt-notifier.js';
