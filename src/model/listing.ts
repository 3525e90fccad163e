// A model's program as text, one variant at a time: every thread (or thread kind, once for all
// its instances), every location with its actions as code, and where control goes. Two variants'
// listings differ exactly where their code differs, so a diff of the listings is a diff of the
// kernels the variants model.

import { END } from './types.js';
import type { CompiledModel } from './compile.js';

export function programListing(model: CompiledModel): string {
  const out: string[] = [`model ${model.name}, variant ${model.variant}`];
  const listedKinds = new Map<string, string[]>();
  model.threads.forEach((t) => {
    const kind = t.kind;
    if (kind !== undefined) {
      const seen = listedKinds.get(kind);
      if (seen) {
        seen.push(t.name);
        return;
      }
      listedKinds.set(kind, [t.name]);
    }
    out.push('', kind !== undefined ? `thread kind ${kind} (first instance ${t.name})` : `thread ${t.name}`);
    for (const loc of t.locations) {
      out.push(`  ${loc.id}:${loc.end ? ' (end)' : ''}`);
      for (const a of loc.actions) {
        const next = a.staticNext === null ? '(computed)' : a.staticNext < 0 ? END : t.locations[a.staticNext]!.id;
        // Falling through to the next location goes unsaid, as in C.
        out.push(`    ${a.label}${a.def.next === undefined ? '' : `  -> ${next}`}`);
      }
    }
  });
  for (const [kind, names] of listedKinds) if (names.length > 1) out.push('', `thread kind ${kind} runs as: ${names.join(', ')}`);
  return out.join('\n') + '\n';
}
