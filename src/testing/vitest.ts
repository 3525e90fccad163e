// A vitest helper, so a project can pin its own models' verdicts in its own tests:
//
//   import { check } from 'kernel-model-checker/vitest';
//   import model, { properties } from '../models/example.js';
//   expect(await check({ model, properties }, { variant: 'fixed' })).toHold();
//   expect(await check({ model, properties }, { variant: 'buggy' })).toBeViolated('deadlock');
//
// Importing this module registers the matchers with vitest's `expect`. A bare model (no
// properties) is an error, not a check of deadlock freedom alone; deadlock freedom and the
// built-in livelock check are added to every property list unless the set opts out by name
// (defineProperties(..., { deadlock: false, livelock: false })).

import { expect } from 'vitest';
import { check as checkSync, type CheckOptions } from '../engine/check.js';
import type { CheckResult } from '../engine/result.js';
import type { ModelDef } from '../model/types.js';
import type { Property, PropertySet } from '../property/types.js';
import { withBuiltins } from '../property/define.js';
import { headline } from '../report/text.js';

export interface ModelWithProperties {
  model: ModelDef;
  properties: PropertySet;
}

export interface TestCheckOptions extends CheckOptions {
  /** The properties to check (default: the entry's; required for a bare model). */
  properties?: PropertySet | readonly Property[];
}

/**
 * Exhaustively check a model with its properties: `{ model, properties }` (a model file's two
 * exports), or a bare model with `options.properties`. Deadlock freedom is always among them
 * unless the property set opts out by name.
 */
export async function check(model: ModelDef | ModelWithProperties, options: TestCheckOptions = {}): Promise<CheckResult> {
  const def = 'build' in model ? model : model.model;
  const props = options.properties ?? ('build' in model ? undefined : model.properties);
  if (props === undefined)
    throw new Error(
      `check(${def.name}): a bare model has no properties to check; pass { model, properties } (a model file's default and 'properties' exports) or options.properties ([] checks deadlock freedom alone)`,
    );
  if (!Array.isArray(props) && typeof props === 'object' && !Array.isArray((props as PropertySet).properties))
    throw new Error(`check(${def.name}): properties must be a property set (defineProperties(...)) or a list of properties`);
  // The built-ins (deadlock, livelock) unless the set opts out of them by name.
  const set: PropertySet = Array.isArray(props) ? { model: def.name, properties: [...props] } : (props as PropertySet);
  return checkSync(def, withBuiltins(set), options);
}

/** The names of the properties a result checked (none for an error). */
function checkedNames(r: CheckResult): string[] {
  return r.status === 'error' ? [] : r.properties.map((p) => p.name);
}

function describe(r: CheckResult): string {
  const checked = r.status === 'error' ? '' : `\n  properties checked: ${checkedNames(r).join(', ')}`;
  if (r.status !== 'violated') return headline(r) + checked;
  return `${headline(r)}${checked}\n${r.violations.map((v) => `  ${v.property}: ${v.message} (replay ${v.path.join('/')})`).join('\n')}`;
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
    // A misspelt name must not pass under .not, nor fail with a message that hides the typo.
    if (property !== undefined && received.status !== 'error' && !checkedNames(received).includes(property))
      throw new Error(
        `toBeViolated('${property}'): ${received.run.model} has no property '${property}' among those checked (${checkedNames(received).join(', ')})`,
      );
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
