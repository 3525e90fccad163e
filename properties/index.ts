// The ready-made properties a model can list: lock discipline (lockdep_assert_held, locks released
// at the end, might_sleep, irq depth) and lockdep's lock order.
export * from './lock-discipline.js';
export * from './lock-order.js';
