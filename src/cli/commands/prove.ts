// kmc prove <model> --from <buggy> --to <fixed>: the patch proof in one command. Exit 0 only
// when all three parts hold (a counterexample on the buggy variant, an exhaustive verification
// of the fixed one, the buggy interleaving no longer breaking the fixed one); 1 when a part
// fails; 2 for bad usage or a broken model. --json prints the proof as one document
// (schemas/kmc-prove.schema.json) with the same exit codes.

import { symmetryByDefault, withReductionNote } from '../symmetry-default.js';
import type { Command } from 'commander';
import { parseParamArgs } from '../../model/params.js';
import { prove } from '../../engine/prove.js';
import { renderProveMarkdown, renderProveText } from '../../report/prove.js';
import { proveToJson } from '../../report/prove-json.js';
import { renderCoverage } from '../../report/coverage.js';
import { VERSION } from '../version.js';
import { ModelError, UsageError } from '../../util/errors.js';
import type { Io } from '../io.js';
import { isModelPath, loadModel } from '../../property/load-model.js';
import { displayPath } from '../../util/display-path.js';
import type { ModelRegistry } from '../../property/registry.js';
import { collect, limitsFromFlags, parseBytes, parseCount, parseDuration, type LimitFlags } from '../options.js';
import { progressFor } from '../run-check.js';
import { checkDeterminism } from '../determinism.js';
import { compileModel } from '../../model/compile.js';
import { hasOwnKey } from '../../util/own.js';
import { selectProperties } from '../../engine/evaluate.js';
import { withBuiltinLiveness } from '../../property/liveness.js';

interface ProveCliOptions extends LimitFlags {
  from?: string;
  to?: string;
  param: string[];
  property: string[];
  markdown?: boolean;
  json?: boolean;
  quiet?: boolean;
  /** --por / --no-por (absent: off, as in kmc check). */
  por?: boolean;
  symmetry: boolean;
  coverage?: boolean;
}

export function registerProve(program: Command, io: Io, setExit: (code: number) => void, registry: ModelRegistry): void {
  program
    .command('prove')
    .description('prove a patch: the buggy variant has a counterexample, the fixed one holds exhaustively, and the buggy interleaving no longer breaks it. Exit 0 proved, 1 a part failed, 2 bad usage or broken model')
    .argument('<model>', 'a bundled model name or a path to a model module')
    .requiredOption('--from <variant>', 'the buggy variant (before the patch)')
    .requiredOption('--to <variant>', 'the fixed variant (after the patch)')
    .option('--param <name=value>', 'set a parameter for both variants (repeatable)', collect, [])
    .option('--property <name>', 'only this property (repeatable)', collect, [])
    .option('--max-states <n>', 'bound each search (a bounded fixed variant is not verified, so the proof fails)', parseCount('--max-states'))
    .option('--max-time <duration>', 'bound each search in time, e.g. 60s', parseDuration('--max-time'))
    .option('--max-memory <size>', 'bound each search in memory, e.g. 4G', parseBytes('--max-memory'))
    .option('--markdown', 'print Markdown (with Mermaid sequence diagrams) for a mailing-list reply or a pull request')
    .option('--json', 'print the proof as one machine-readable JSON document (schemas/kmc-prove.schema.json)')
    .option('--coverage', 'also report how often each step ran in both searches, which never ran, and which properties were not exercised')
    .option('--quiet', 'no progress output')
    .option('--por', 'partial-order reduction in both searches (off by default, as in kmc check; counterexamples are made shortest either way)')
    .option('--no-por', 'no partial-order reduction (the default)')
    .option('--no-symmetry', 'no symmetry reduction in either search (on by default as in kmc check: where no liveness property is checked)')
    .action(async (name: string, opts: ProveCliOptions) => {
      const entry = await loadModel(name, registry);
      if (!opts.from || !opts.to) throw new UsageError('kmc prove: give --from <buggy variant> and --to <fixed variant>');
      if (opts.json && opts.markdown) throw new UsageError('kmc prove: choose one of --json and --markdown');
      const params = parseParamArgs(opts.param);
      // Both searches evaluate compiled invariants too: the probe compares them with the properties.
      const selected = selectProperties(withBuiltinLiveness(entry.properties), opts.property, entry.model.name);
      const compiled = [opts.from, opts.to].filter((variant) => hasOwnKey(entry.model.variants, variant)).map((variant) => compileModel(entry.model, { variant, params }));
      for (const model of compiled) checkDeterminism(model, { properties: selected });
      // Symmetry as in kmc check: not where a liveness property is checked (src/cli/symmetry-default.ts).
      const { symmetry, note } = compiled.length > 0 ? symmetryByDefault(opts.symmetry, compiled[compiled.length - 1]!, selected) : { symmetry: opts.symmetry, note: undefined };
      const r = prove(entry.model, entry.properties, {
        from: opts.from,
        to: opts.to,
        params,
        property: opts.property,
        ...limitsFromFlags(opts),
        // The same reductions as kmc check; part 1 promises the shortest counterexample, so a
        // path found under partial-order reduction is made shortest.
        por: opts.por === true,
        symmetry,
        shortest: true,
        ...progressFor(io, opts.quiet || opts.markdown || opts.json),
      });
      withReductionNote(r.buggy, note);
      withReductionNote(r.fixed, note);
      // Printed commands name a model file by its path (relative to here), which is what works.
      if (isModelPath(name) && !registry.models.some((m) => m.name === name)) r.modelRef = displayPath(entry.source);
      if (r.buggy.status === 'error' || r.fixed.status === 'error') {
        const e = r.buggy.status === 'error' ? r.buggy : r.fixed;
        throw new ModelError(`kmc prove: model ${e.run.model} variant ${e.run.variant} is broken: ${e.status === 'error' ? e.message : ''}`);
      }
      if (opts.json) {
        io.out(JSON.stringify(proveToJson(r, VERSION, { coverage: opts.coverage === true }), null, 2));
        setExit(r.proved ? 0 : 1);
        return;
      }
      const command = `kmc prove ${r.modelRef ?? name} --from ${opts.from} --to ${opts.to}${opts.param.map((p) => ` --param ${p}`).join('')}${opts.property.map((p) => ` --property ${p}`).join('')}${opts.por === true ? ' --por' : ''}${opts.symmetry ? '' : ' --no-symmetry'}`;
      io.out(opts.markdown ? renderProveMarkdown(r, `Checked with ${command}`) : renderProveText(r));
      if (opts.coverage)
        for (const [which, c] of [[opts.from, r.buggy], [opts.to, r.fixed]] as const) io.out(`\n--variant ${which}: ${renderCoverage(c)}`);
      setExit(r.proved ? 0 : 1);
    });
}
