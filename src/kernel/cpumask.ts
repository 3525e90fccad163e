// struct cpumask as an array of booleans, one per CPU, with the kernel's operations.
// Functions to call inside recipes (each operation is atomic, as the bitops are).

export type Cpumask = boolean[];

export function cpumask(cpus: number, set: (cpu: number) => boolean = () => false): Cpumask {
  return Array.from({ length: cpus }, (_, i) => set(i));
}

export function cpumask_test_cpu(cpu: number, mask: readonly boolean[]): boolean {
  return mask[cpu] === true;
}

/** cpumask_test_and_set_cpu: returns the old bit. */
export function cpumask_test_and_set_cpu(cpu: number, mask: boolean[]): boolean {
  const old = mask[cpu] === true;
  mask[cpu] = true;
  return old;
}

/** cpumask_test_and_clear_cpu: returns the old bit. */
export function cpumask_test_and_clear_cpu(cpu: number, mask: boolean[]): boolean {
  const old = mask[cpu] === true;
  mask[cpu] = false;
  return old;
}

export function cpumask_set_cpu(cpu: number, mask: boolean[]): void {
  mask[cpu] = true;
}

export function cpumask_clear_cpu(cpu: number, mask: boolean[]): void {
  mask[cpu] = false;
}

export function cpumask_weight(mask: readonly boolean[]): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  return n;
}

export function cpumask_empty(mask: readonly boolean[]): boolean {
  return cpumask_weight(mask) === 0;
}

/** The CPUs whose bit is set, in order (for_each_cpu). */
export function for_each_cpu(mask: readonly boolean[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) out.push(i);
  return out;
}
