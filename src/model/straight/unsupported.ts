// The step compiler's refusal (src/model/straight.ts): what the tokenizer and the generator
// throw when a function is outside the subset, caught where a function is compiled (generate),
// whose message says why (the coverage reports').

/** Not an Error: the parser gives up (and backtracks) often, and an Error captures a stack trace each time. */
export class Unsupported {
  constructor(readonly message: string) {}
}
export function no(why: string): never {
  throw new Unsupported(why);
}
