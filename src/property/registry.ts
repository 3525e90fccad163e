// A set of models with their properties, as the CLI and the worker threads receive them: the
// bundled models (models/index.ts) are one, injected by the CLI's entry module rather than
// imported by the commands, so that the engine and the CLI never depend on which models exist.

import type { ModelDef } from '../model/types.js';
import type { PropertySet } from './types.js';

export interface ModelEntry {
  model: ModelDef;
  properties: PropertySet;
  /** The module (relative to the package root) that exports the model as default. */
  source: string;
}

export interface ModelRegistry {
  entries: readonly ModelEntry[];
  /**
   * The module that exports the entries as `bundled` (a file: URL), which worker threads import
   * to find an entry by its `source` (functions do not cross threads). Absent: entries that
   * only the main thread can run.
   */
  module?: string | undefined;
}

/** No models: what a program sees when no registry was injected. */
export const NO_MODELS: ModelRegistry = { entries: [] };
