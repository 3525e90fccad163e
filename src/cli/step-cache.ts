// The step-code cache: the straight-line code the step compiler generated for a model
// (src/model/straight.ts, generatedFor), kept on disk beside the compiled-model cache
// (src/util/model-cache.ts: the same folders, header, checks and atomic write), so that the next
// `kmc check` of the same model seeds the command thread's compiler with it (seedGenerated)
// instead of running the generator cold (bench/README.md, "session 9"). The pool's workers get
// the code from the command thread in their tasks, never from here.
//
// - The file is data. It is read only when its header names the key it was looked up by and the
//   SHA-256 of its body, both match, and it belongs to this user (readCacheFile); its body must
//   be of the handed-over shape (seedGenerated checks it, else ignores it whole). Even then, an
//   entry is used only under the key the compiler derives itself from the model it loaded (every
//   input the code depends on: sources, bindings, layout, thread, locations): the file's keys are
//   never trusted, a foreign or stale entry is simply never looked up. The file key names the
//   generator's own text (generatorId), so code from another version of kmc is never read.
//   As with the model cache, this catches accidents and other users' files, not a process
//   running as this user, which could as well change node_modules.
// - Written after the check when this thread generated code the file did not hold; a corrupt,
//   foreign or stale file is thereby replaced. KMC_NO_MODEL_CACHE=1 turns it off with the model
//   cache; a folder that cannot be written means nothing is cached, with no error.

import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompiledModel } from '../model/compile.js';
import { generatedFor, generatorId, seedGenerated, straightCounts } from '../model/straight.js';
import { cacheDirs, modelCacheDisabled, readCacheFile, sha256, writeCacheFile } from '../util/model-cache.js';
import { join } from 'node:path';

const FORMAT = 'kmc-step-code 1 (straight.ts generatedFor, JSON)';
const EXT = '.steps.json';

/** The step-code cache of one check: `seeded` entries read; `save()` writes what the check generated. */
export interface StepCache {
  seeded: number;
  save(): void;
}

/**
 * Opens the step-code cache for `model` (loaded from `source`: a model file's absolute path or
 * file: URL, or a registry's module name), seeding this thread's compiler with it; undefined when
 * the cache is turned off.
 */
export function openStepCache(source: string, model: CompiledModel): StepCache | undefined {
  if (modelCacheDisabled()) return undefined;
  const file = source.startsWith('file:') ? fileURLToPath(source) : isAbsolute(source) ? resolve(source) : undefined;
  // Where a registry's models come from: beside kmc's own package.
  const dirs = cacheDirs(file ?? fileURLToPath(import.meta.url));
  const which = `${file ?? source}\0${model.name}\0${model.variant}\0${JSON.stringify(Object.entries(model.params))}\0${model.reference}`;
  const name = sha256(which).slice(0, 16);
  let key: string;
  try {
    key = sha256(`${FORMAT}\0${generatorId()}\0${which}`);
  } catch {
    return undefined;
  }
  const fileName = `${name}-${key}${EXT}`;
  let seeded = 0;
  for (const dir of dirs) {
    const body = readCacheFile(join(dir, fileName), key);
    if (body === undefined) continue;
    try {
      seeded = seedGenerated(JSON.parse(body));
    } catch {
      seeded = 0;
    }
    if (seeded > 0) break;
  }
  const before = straightCounts.generated;
  return {
    seeded,
    save() {
      if (straightCounts.generated === before) return;
      const body = JSON.stringify(generatedFor(model.layout));
      for (const dir of dirs) if (writeCacheFile(dir, fileName, key, body, EXT) !== undefined) return;
    },
  };
}
