// The bundled models and their properties: what `kmc list` shows and `kmc check --all` checks.
// Each entry names its model's source file, which is what worker threads load.

import type { ModelDef } from '../src/model/index.js';
import type { PropertySet } from '../src/property/index.js';

export interface ModelEntry {
  model: ModelDef;
  properties: PropertySet;
  /** The module (relative to the package root) that exports the model as default. */
  source: string;
}

export const bundled: ModelEntry[] = [
  // (one line per bundled model, in the order of ../shared/MODELS.md)
];
