// kmc list: models, variants, parameters with defaults, properties; with --code, one variant's
// program as text (src/model/listing.ts), to read and diff the kernels a model mirrors one at a time.

import type { Command } from 'commander';
import type { Io } from '../io.js';
import { loadModels } from '../../property/load-model.js';
import { loadAll, type ModelRegistry } from '../../property/registry.js';
import { compileModel } from '../../model/compile.js';
import { programListing } from '../../model/listing.js';
import { parseParamArgs } from '../../model/params.js';
import { UsageError } from '../../util/errors.js';
import { collect } from '../options.js';

interface ListOptions {
  json?: boolean;
  code?: boolean;
  variant?: string;
  param: string[];
}

export function registerList(program: Command, io: Io, _setExit: (code: number) => void, registry: ModelRegistry): void {
  program
    .command('list')
    .description('list models (the files given, or the bundled ones) with their variants, parameters and properties')
    .argument('[models...]', 'model files (./models/x.ts) or bundled model names; default: every bundled model')
    .option('--json', 'machine-readable output')
    .option('--code', "print one variant's program as text (each thread kind once): diff two variants' listings to compare the kernels")
    .option('--variant <name>', "with --code: the variant to print (default: the model's first)")
    .option('--param <name=value>', 'with --code: set a parameter, e.g. --param cpus=3 (repeatable)', collect, [])
    .action(async (names: string[], opts: ListOptions) => {
      if (opts.code) {
        if (opts.json) throw new UsageError('--code prints text; leave out --json');
        if (names.length !== 1) throw new UsageError(`--code: name one model (${names.length} given)`);
        const [entry] = await loadModels(names, registry);
        io.out(programListing(compileModel(entry!.model, { variant: opts.variant, params: parseParamArgs(opts.param) })).trimEnd());
        return;
      }
      if (opts.variant !== undefined || opts.param.length) throw new UsageError('--variant and --param go with --code');
      const bundled = names.length ? await loadModels(names, registry) : await loadAll(registry);
      if (opts.json) {
        io.out(
          JSON.stringify(
            bundled.map((e) => ({
              model: e.model.name,
              doc: e.model.doc,
              seed: e.model.seed,
              variants: e.model.variants,
              params: e.model.params,
              properties: e.properties.properties.map((p) => ({ name: p.name, kind: p.kind, doc: p.doc })),
            })),
            null,
            2,
          ),
        );
        return;
      }
      const out: string[] = [];
      for (const e of bundled) {
        out.push(`${e.model.name}${e.model.seed ? `  (seed ${e.model.seed})` : ''}`, `  ${e.model.doc}`);
        out.push('  variants:');
        for (const [v, doc] of Object.entries(e.model.variants)) out.push(`    ${v.padEnd(18)} ${doc}`);
        out.push('  parameters:');
        for (const [k, p] of Object.entries(e.model.params))
          out.push(`    ${`${k}=${p.default}`.padEnd(18)} ${p.doc}${p.min !== undefined || p.max !== undefined ? ` [${p.min ?? ''}..${p.max ?? ''}]` : ''}`);
        out.push('  properties:');
        for (const p of e.properties.properties) out.push(`    ${p.name.padEnd(30)} ${p.kind.padEnd(9)} ${p.doc}`);
        out.push('');
      }
      if (bundled.length === 0) out.push('(no bundled models)');
      io.out(out.join('\n'));
    });
}
