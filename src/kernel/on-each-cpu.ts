// The state of cross-CPU function calls (smp_call_function / on_each_cpu): `pending[sender][cpu]`
// is the id of the function `sender` queued for `cpu`, or 0. The steps that send, run and wait
// for the calls are built by smp-call-function.ts (onEachCpuCall, ipiCallThread).

export interface CrossCalls {
  pending: number[][];
}

/** Initial cross-call state for `senders` callers and `cpus` CPUs. */
export function crossCalls(senders: number, cpus: number): CrossCalls {
  return { pending: Array.from({ length: senders }, () => Array.from({ length: cpus }, () => 0)) };
}
