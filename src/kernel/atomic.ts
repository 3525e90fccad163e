// atomic_t. Each operation is one indivisible update, so these are plain functions to call
// inside a step's recipe: `atomic_inc(d.hardware_enable_failed)`.

import { declareStraight } from '../model/straight.js';

export interface Atomic {
  counter: number;
}

export function atomic(v = 0): Atomic {
  return { counter: v };
}

export function atomic_read(a: Atomic): number {
  return a.counter;
}

export function atomic_set(a: Atomic, v: number): void {
  a.counter = v;
}

export function atomic_inc(a: Atomic): void {
  a.counter += 1;
}

export function atomic_dec(a: Atomic): void {
  a.counter -= 1;
}

export function atomic_inc_return(a: Atomic): number {
  a.counter += 1;
  return a.counter;
}

export function atomic_dec_and_test(a: Atomic): boolean {
  a.counter -= 1;
  return a.counter === 0;
}

/** atomic_cmpxchg: returns the old value; stores `newV` only when it equalled `old`. */
export function atomic_cmpxchg(a: Atomic, old: number, newV: number): number {
  const cur = a.counter;
  if (cur === old) a.counter = newV;
  return cur;
}

// The step compiler's forms (straight.ts): each is its own.
for (const f of [atomic_read, atomic_set, atomic_inc, atomic_dec, atomic_inc_return, atomic_dec_and_test, atomic_cmpxchg]) declareStraight(f, { fn: f });
