// The bundled models with their properties, loaded: for tests and benchmarks that go through
// every model. The list itself is models/registry.ts (the CLI loads only the model it names).

import { loadAll, type ModelEntry } from '../src/property/index.js';
import { registry } from './registry.js';

export type { ModelEntry };
export { registry };

/** Every bundled model, in the registry's order (the same entries registry.load gives). */
export const bundled: ModelEntry[] = await loadAll(registry);
