// Looking names up in records. A name from the command line or from a file (a variant, a
// parameter, a property, a model, a reporter) is looked up as an own key only: `record[name]`
// or `name in record` would find Object.prototype's `constructor`, `toString`, `valueOf` or
// `__proto__` and take them for a declared name. Every such lookup goes through here (a test
// scans src/ for the bare forms).

/** The value `record` holds under `name` itself, never one inherited from a prototype. */
export function ownKey<V>(record: Readonly<Record<string, V>>, name: string): V | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

/** Does `record` itself hold `name`? */
export function hasOwnKey(record: object, name: string): boolean {
  return Object.hasOwn(record, name);
}

/** Set `record[name]` as an own property, even when `name` is `__proto__`. */
export function setOwn<V>(record: Record<string, V>, name: string, value: V): void {
  Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
}
