// A vitest helper, so a project can pin its own models' verdicts in its own tests:
//
//   import { check } from 'kmc/vitest';
//   expect(await check(model, { variant: 'fixed' })).toHold();
//   expect(await check(model, { variant: 'buggy' })).toBeViolated('deadlock');
//
// Importing this module registers the matchers with vitest's `expect`.

import { expect } from 'vitest';
import { check as checkSync, propertiesOf, type CheckOptions } from '../engine/check.js';
import type { CheckResult } from '../engine/result.js';
import type { ModelDef } from '../model/types.js';
import type { Property, PropertySet } from '../property/types.js';
import { deadlockFree } from '../property/define.js';
import { headline } from '../report/text.js';

export interface ModelWithProperties {
  model: ModelDef;
  properties: PropertySet;
}

export interface TestCheckOptions extends CheckOptions {
  /** The properties to check (default: the entry's, or deadlock freedom for a bare model). */
  properties?: PropertySet | readonly Property[];
}

/** Exhaustively check a model (a bundled entry or a bare model definition). */
export async function check(model: ModelDef | ModelWithProperties, options: TestCheckOptions = {}): Promise<CheckResult> {
  const def = 'build' in model ? model : model.model;
  const props = options.properties ?? ('build' in model ? [deadlockFree()] : model.properties);
  return checkSync(def, propertiesOf(props), options);
}

function describe(r: CheckResult): string {
  if (r.status !== 'violated') return headline(r);
  return `${headline(r)}\n${r.violations.map((v) => `  ${v.property}: ${v.message} (replay ${v.path.join('/')})`).join('\n')}`;
}

export const kmcMatchers = {
  /** Every selected property holds after an exhaustive search. */
  toHold(received: CheckResult) {
    return {
      pass: received.status === 'verified',
      message: () => `expected every property to hold exhaustively, got: ${describe(received)}`,
    };
  },
  /** The property (or, without a name, some property) is violated. */
  toBeViolated(received: CheckResult, property?: string) {
    const pass = received.status === 'violated' && (property === undefined || received.violations.some((v) => v.property === property));
    return {
      pass,
      message: () => `expected ${property ? `property ${property}` : 'a property'} to be violated, got: ${describe(received)}`,
    };
  },
};

expect.extend(kmcMatchers);

declare module 'vitest' {
  interface Assertion<T> {
    toHold(): T;
    toBeViolated(property?: string): T;
  }
  interface AsymmetricMatchersContaining {
    toHold(): void;
    toBeViolated(property?: string): void;
  }
}
