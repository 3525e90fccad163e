// The default memory bound: stop the search (reported incomplete) before the machine runs out,
// rather than be killed by the kernel's OOM killer or V8 with no result at all.

import { totalmem } from 'node:os';

/** The memory available to this process: the machine's, or the cgroup limit when lower. */
export function availableMemory(): number {
  let limit = totalmem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : undefined;
  if (constrained !== undefined && constrained > 0 && constrained < limit) limit = constrained;
  return limit;
}

/** 80% of the available memory: room for the page cache, the OS and the rest of the process. */
export function defaultMaxMemory(): number {
  return Math.floor(availableMemory() * 0.8);
}
