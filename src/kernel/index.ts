// Kernel primitives: state fragments and step builders that let a model read like the C code.
export * from './spinlock.js';
export * from './mutex.js';
export * from './atomic.js';
export * from './cpumask.js';
export * from './irq.js';
export * from './on-each-cpu.js';
export * from './preempt-notifier.js';
export * from './recursive-spinlock.js';
export * from './spin-barrier.js';
export * from './lock-order.js';
export * from './lockdep.js';
export * from './rcu.js';
export * from './smp-call-function.js';
export * from './sched.js';
export * from './context.js';
export * from './memory.js';
