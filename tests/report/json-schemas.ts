// kmc's JSON schemas for `kmc replay --json` and `kmc prove --json`, compiled once with ajv in
// strict mode (so a schema keyword ajv does not know, or one that cannot apply, is an error too).
// kmc-prove.schema.json refers to kmc-replay.schema.json's definitions by its $id.

import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { expect } from 'vitest';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8'));

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
ajv.addSchema(load('kmc-replay.schema.json'));
ajv.addSchema(load('kmc-prove.schema.json'));

export const validateReplay = ajv.getSchema('kmc-replay.schema.json') as ValidateFunction;
export const validateProve = ajv.getSchema('kmc-prove.schema.json') as ValidateFunction;

/** Parse `text` as one JSON document and expect it to pass `validate`; returns it. */
export function expectValid(validate: ValidateFunction, text: string): any {
  const doc = JSON.parse(text);
  const ok = validate(doc);
  expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toEqual([]);
  expect(ok).toBe(true);
  return doc;
}
