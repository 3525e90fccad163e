// Interrupt state: local_irq_disable/enable (a per-CPU flag) and disable_irq/enable_irq on an
// interrupt line (a nesting depth, as struct irq_desc keeps it). The per-CPU flag here is the
// bare one; a model that also needs preemption, which CPU a task occupies, system calls or
// stop_machine keeps interrupts in the execution context instead (context.ts: CpuContext.irqs_off,
// local_irq_disable(ctx, task, env, cpu)), so that one primitive owns all of them.

import type { Draft, LocationDef, StepEnv } from '../model/index.js';
import { declareStraight } from '../model/straight.js';

/** Per-CPU "interrupts disabled" flags. */
export type IrqFlags = boolean[];

export function irqFlags(cpus: number): IrqFlags {
  return Array.from({ length: cpus }, () => false);
}

export function irqs_disabled(flags: readonly boolean[], cpu: number): boolean {
  return flags[cpu] === true;
}

export interface CpuStepOptions<S> {
  next?: string;
  run?: (d: Draft<S>, env: StepEnv) => void;
  guard?: (s: S, env: StepEnv) => boolean;
}

/** `local_irq_disable()` on `cpu`. */
export function localIrqDisable<S>(id: string, fn: string, flags: (s: S | Draft<S>) => boolean[], cpu: number, o: CpuStepOptions<S> = {}): LocationDef<S> {
  return {
    id,
    actions: [
      {
        label: `${fn}: local_irq_disable()`,
        fn,
        ...(o.guard ? { guard: o.guard } : {}),
        run: (d, env) => {
          flags(d)[cpu] = true;
          o.run?.(d, env);
        },
        tags: ['local_irq_disable'],
        ...(o.next !== undefined ? { next: o.next } : {}),
      },
    ],
  };
}

/** `local_irq_enable()` on `cpu`. */
export function localIrqEnable<S>(id: string, fn: string, flags: (s: S | Draft<S>) => boolean[], cpu: number, o: CpuStepOptions<S> = {}): LocationDef<S> {
  return {
    id,
    actions: [
      {
        label: `${fn}: local_irq_enable()`,
        fn,
        ...(o.guard ? { guard: o.guard } : {}),
        run: (d, env) => {
          flags(d)[cpu] = false;
          o.run?.(d, env);
        },
        tags: ['local_irq_enable'],
        ...(o.next !== undefined ? { next: o.next } : {}),
      },
    ],
  };
}

/** An interrupt line's descriptor: `depth` > 0 means disabled (disable_irq nests). */
export interface IrqDesc {
  depth: number;
}

export function irqDesc(depth = 0): IrqDesc {
  return { depth };
}

export const UNBALANCED_ENABLE = 'Unbalanced enable for IRQ';

/** disable_irq_nosync(irq): depth++ (call inside a recipe). */
export function disable_irq_nosync(desc: IrqDesc): void {
  desc.depth += 1;
}

/**
 * enable_irq(irq): depth--. At depth 0 the kernel (__enable_irq) WARNs "Unbalanced enable for
 * IRQ" and leaves the depth alone, so a later disable_irq disables the line again; so does this.
 */
export function enable_irq(desc: IrqDesc, env: StepEnv): void {
  env.warnOn(desc.depth === 0, UNBALANCED_ENABLE);
  if (desc.depth > 0) desc.depth -= 1;
}

export function irq_enabled(desc: IrqDesc): boolean {
  return desc.depth === 0;
}

// The step compiler's forms (straight.ts): each is its own.
declareStraight(irqs_disabled, { fn: irqs_disabled });
declareStraight(disable_irq_nosync, { fn: disable_irq_nosync });
declareStraight(enable_irq, { fn: enable_irq, bind: { UNBALANCED_ENABLE } });
declareStraight(irq_enabled, { fn: irq_enabled });
