// Errors kmc reports to the user as one clear line (exit code 2): bad usage or a broken model.

/** Bad input from the user: unknown model, variant, parameter, property, malformed value or file. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The model itself is broken: it threw, wrote a value of the wrong shape, named an unknown step. */
export class ModelError extends Error {
  override name = 'ModelError';
}
