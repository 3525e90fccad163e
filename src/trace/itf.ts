// Trace files in the Informal Trace Format (ITF, Apalache ADR-015), so that existing ITF
// readers and viewers open kmc's counterexamples.
//
// Encoding (ADR-015): a trace is `{ "#meta", "vars", "states" }`; each state is an object with a
// value for every name in `vars` and its own `#meta` with `index`. Integers are written as
// `{ "#bigint": "123" }`, booleans as JSON booleans, fixed-length arrays as JSON arrays (ITF
// lists), objects as JSON objects (ITF records). kmc states hold no sets, tuples or maps.
//
// Besides the model's variables, every state carries the program counters in one more
// variable (`pc` unless the model has a variable of that name): a record from thread name to
// the location id the thread is at ('$end' once it has finished). With it a state is fully
// determined, and two states of the file compare exactly like two packed states.
//
// kmc's own fields live in `#meta`: the model, variant and parameters, the replay path (the
// choice index at each step, `0/2/1/1`), the violated property; and per state the step that
// led to it (thread, location id, C statement, choice index, assertions fired).
//
// Decoding checks the structure and nothing more: whether the states are the model's is
// decided by re-executing the path (src/trace/verify.ts). Nothing in a file is trusted.

import { formatPath, parsePath } from './path.js';
import type { CompiledModel } from '../model/compile.js';
import type { Trace } from './expand.js';
import { UsageError } from '../util/errors.js';
import { hasOwnKey, setOwn } from '../util/own.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../util/input-file.js';

export const ITF_FORMAT_DESCRIPTION = 'https://apalache-mc.org/docs/adr/015adr-trace.html';
/** Version of kmc's fields in `#meta`; bumped when they change incompatibly. */
export const KMC_TRACE_VERSION = 1;

export type ItfValue = boolean | string | number | { '#bigint': string } | ItfValue[] | { [key: string]: ItfValue };

export interface ItfStateMeta {
  index: number;
  /** For every state but the first: the step that led to it. */
  step?: number;
  thread?: string;
  location?: string;
  label?: string;
  choice?: number;
  fired?: string[];
  /** Under a weak memory model: the stores still in store buffers after the step (TraceStep.buffered); checked on replay. */
  storeBuffers?: string;
}

export interface ViolationMeta {
  property: string;
  kind: string;
  message: string;
  /** Number of steps after which it shows (0: the initial state). */
  step: number;
}

export interface KmcTraceMeta {
  format: 'ITF';
  'format-description': string;
  /** The model's source module, for the reader: `kmc replay` never loads it (a model file is named with --model). */
  source: string;
  description: string;
  'kmc-trace': number;
  model: string;
  variant: string;
  params: Record<string, number | boolean>;
  /** Name of the variable holding the program counters. */
  pcVar: string;
  /** The choice index at each step: what `kmc replay <model> <path>` takes. */
  replay: string;
  /** A command line that replays the same path. */
  command: string;
  violation?: ViolationMeta;
}

export interface ItfTrace {
  '#meta': KmcTraceMeta;
  vars: string[];
  states: ({ '#meta': ItfStateMeta } & Record<string, ItfValue | ItfStateMeta>)[];
  /**
   * A lasso (liveness counterexamples): ITF's `loop`, the index of the state the run loops back
   * to. kmc writes the closing step too, so states[loop] and the last state are the same state
   * and the steps after state `loop` repeat for ever (loop = the last index: it stays there).
   */
  loop?: number;
}

/** The variable name for the program counters: `pc`, or `pc_`, `pc__`… if the model uses it. */
export function pcVarFor(model: CompiledModel): string {
  const keys = model.layout.root.kind === 'object' ? model.layout.root.keys : [];
  let name = 'pc';
  while (keys.includes(name)) name += '_';
  return name;
}

export function encodeValue(v: unknown): ItfValue {
  if (typeof v === 'number') return { '#bigint': String(v) };
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(encodeValue);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, ItfValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = encodeValue(x);
    return out;
  }
  throw new Error(`cannot encode ${String(v)} in a trace`);
}

export interface EncodeInfo {
  /** Where the model comes from (ModelEntry.source). */
  source: string;
  /** How the replay command names the model (default: its name, for bundled models). */
  modelRef?: string;
  violation?: ViolationMeta;
  /** A lasso: the index of the state the last one loops back to (see ItfTrace.loop). */
  loop?: number;
}

/** A trace (from expandPath) as an ITF object. */
export function encodeTrace(model: CompiledModel, trace: Trace, info: EncodeInfo): ItfTrace {
  const pcVar = pcVarFor(model);
  const keys = model.layout.root.kind === 'object' ? model.layout.root.keys : [];
  const stateOf = (state: Int32Array, meta: ItfStateMeta) => {
    const vars = model.vars(state) as Record<string, unknown>;
    const ids = model.locationIds(state);
    const s: { '#meta': ItfStateMeta } & Record<string, ItfValue | ItfStateMeta> = { '#meta': meta };
    s[pcVar] = Object.fromEntries(model.threadNames.map((t, i) => [t, ids[i]!]));
    for (const k of keys) s[k] = encodeValue(vars[k]);
    return s;
  };
  const states = [stateOf(trace.init, { index: 0 })];
  for (const st of trace.steps) {
    const meta: ItfStateMeta = { index: st.index, step: st.index, thread: st.thread, location: st.id, label: st.label, choice: st.choice };
    if (st.fired.length) meta.fired = [...st.fired];
    if (st.buffered !== undefined) meta.storeBuffers = st.buffered;
    states.push(stateOf(st.state, meta));
  }
  const meta: KmcTraceMeta = {
    format: 'ITF',
    'format-description': ITF_FORMAT_DESCRIPTION,
    source: info.source,
    description: info.violation
      ? `kmc counterexample: ${info.violation.property} (${info.violation.kind}) violated after ${info.violation.step} step${info.violation.step === 1 ? '' : 's'}`
      : `kmc trace of ${trace.steps.length} step${trace.steps.length === 1 ? '' : 's'}`,
    'kmc-trace': KMC_TRACE_VERSION,
    model: model.name,
    variant: model.variant,
    params: { ...model.params },
    pcVar,
    replay: formatPath(trace.path),
    command: replayCommand(info.modelRef ?? model.name, model.variant, model.params, trace.path),
  };
  if (info.violation) meta.violation = { ...info.violation };
  const out: ItfTrace = { '#meta': meta, vars: [pcVar, ...keys], states };
  if (info.loop !== undefined) out.loop = info.loop;
  return out;
}

export function replayCommand(model: string, variant: string, params: Record<string, number | boolean>, path: readonly number[]): string {
  const p = Object.entries(params).map(([k, v]) => ` --param ${k}=${v}`).join('');
  return `kmc replay ${model} ${formatPath(path) || "''"} --variant ${variant}${p}`;
}

/** ITF text: two-space indented JSON, with every value that fits in a short line kept on one line. */
export function traceToText(t: ItfTrace): string {
  return compactJson(t, '') + '\n';
}

function compactJson(v: unknown, indent: string): string {
  const flat = JSON.stringify(v);
  if (flat.length + indent.length <= 100 || v === null || typeof v !== 'object') return flat;
  const inner = indent + '  ';
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + compactJson(x, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${compactJson(x, inner)}`);
  return `{\n${entries.join(',\n')}\n${indent}}`;
}

/** A replay path for a message: the whole path when short, else its start and how many steps are left out. */
export function shortPath(path: readonly number[], max = 40): string {
  if (path.length <= max) return formatPath(path);
  return `${formatPath(path.slice(0, max))}/… (${(path.length - max).toLocaleString('en-US')} more steps)`;
}

/** A file name for a violation's trace: `<model>--<variant>[--k=v…]--<property>.itf.json`. */
export function traceFileName(model: string, variant: string, changedParams: Record<string, number | boolean>, property: string): string {
  const safe = (s: string) => s.replace(/[^\w.=-]+/g, '_');
  const params = Object.entries(changedParams).map(([k, v]) => `--${safe(`${k}=${v}`)}`).join('');
  return `${safe(model)}--${safe(variant)}${params}--${safe(property)}.itf.json`;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Where a trace file first stops matching its model: its variables or threads ('shape', no
 * step), a recorded step or state ('state'), the path itself ('path'), or the violation it
 * records ('violation').
 */
export interface TraceDivergence {
  kind: 'shape' | 'state' | 'path' | 'violation';
  step: number | null;
}

/** A trace file that is malformed, or that does not match the model it names (exit 2). */
export class TraceFileError extends UsageError {
  override name = 'TraceFileError';

  /** `at`: where the file diverges from its model (absent: the file itself is malformed). */
  constructor(
    message: string,
    readonly at?: TraceDivergence,
  ) {
    super(message);
  }
}

export interface DecodedState {
  index: number;
  meta: ItfStateMeta;
  /** Thread name -> location id (END for finished threads). */
  locations: Record<string, string>;
  /** The model's variables as plain data (numbers and booleans). */
  vars: Record<string, unknown>;
}

export interface DecodedTrace {
  file: string;
  meta: {
    model: string;
    variant: string;
    params: Record<string, number | boolean>;
    source: string;
    pcVar: string;
    path: number[];
    violation?: ViolationMeta;
  };
  vars: string[];
  states: DecodedState[];
  /** A lasso's loop index (ItfTrace.loop), checked to lie within the states. */
  loop?: number;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Parse and structurally validate an ITF trace written by kmc. `file` names it in errors. */
export function decodeTrace(text: string, file: string): DecodedTrace {
  const fail = (what: string): never => {
    throw new TraceFileError(`trace file ${file}: ${what}`);
  };
  let json: unknown;
  if (jsonDepth(text) > MAX_JSON_DEPTH) return fail(`JSON nested more than ${MAX_JSON_DEPTH} levels deep; no kmc trace nests like that`);
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail(`not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!isRecord(json)) return fail('not an ITF trace: the file must hold one JSON object with "vars" and "states"');
  const m = json['#meta'];
  if (!isRecord(m))
    return fail('no "#meta" object: kmc needs the model, variant, parameters and replay path that it writes there (is this a kmc trace?)');
  const str = (k: string): string => {
    const v = m[k];
    if (typeof v !== 'string') return fail(`"#meta"."${k}" is missing or not a string`);
    return v;
  };
  const version = m['kmc-trace'];
  if (version === undefined) return fail('"#meta"."kmc-trace" is missing: this ITF file was not written by kmc');
  if (version !== KMC_TRACE_VERSION) return fail(`"#meta"."kmc-trace" is ${JSON.stringify(version)}; this kmc reads version ${KMC_TRACE_VERSION}`);
  const model = str('model');
  const variant = str('variant');
  const source = typeof m.source === 'string' ? m.source : '';
  const pcVar = str('pcVar');
  const rawParams = m.params;
  if (!isRecord(rawParams)) return fail('"#meta"."params" is missing or not an object');
  const params: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(rawParams)) {
    if (typeof v !== 'boolean' && !(typeof v === 'number' && Number.isInteger(v))) return fail(`"#meta"."params".${k} must be an integer or a boolean`);
    // an own key even for __proto__ (then refused as an unknown parameter, not silently dropped)
    setOwn(params, k, v);
  }
  let path: number[];
  try {
    path = parsePath(str('replay'));
  } catch (e) {
    return fail(`"#meta"."replay": ${(e as Error).message}`);
  }
  let violation: ViolationMeta | undefined;
  if (m.violation !== undefined) {
    const v = m.violation;
    if (!isRecord(v) || typeof v.property !== 'string' || typeof v.kind !== 'string' || typeof v.message !== 'string' || !Number.isInteger(v.step))
      return fail('"#meta"."violation" must be { property, kind, message, step }');
    violation = { property: v.property, kind: v.kind, message: v.message, step: v.step as number };
  }

  const vars = json.vars;
  if (!Array.isArray(vars) || !vars.every((v) => typeof v === 'string')) return fail('"vars" must be an array of variable names');
  if (new Set(vars).size !== vars.length) return fail('"vars" names a variable twice');
  if (!vars.includes(pcVar)) return fail(`"vars" lacks "${pcVar}", the thread locations named by "#meta"."pcVar"`);
  const statesJson = json.states;
  if (!Array.isArray(statesJson) || statesJson.length === 0) return fail('"states" must be a non-empty array');
  if (statesJson.length !== path.length + 1)
    return fail(`it has ${statesJson.length} states, but its replay path "${shortPath(path)}" has ${path.length} steps (expected ${path.length + 1} states)`);

  const loop = json.loop;
  if (loop !== undefined && !(Number.isInteger(loop) && (loop as number) >= 0 && (loop as number) < statesJson.length))
    return fail(`"loop" must be the index of one of its ${statesJson.length} states`);
  const states = statesJson.map((s, i): DecodedState => {
    const where = `state ${i}`;
    if (!isRecord(s)) return fail(`${where} is not an object`);
    const sm = s['#meta'];
    if (!isRecord(sm)) return fail(`${where} has no "#meta" object`);
    if (sm.index !== i) return fail(`${where}: "#meta"."index" is ${JSON.stringify(sm.index)}, expected ${i} (states must be in order)`);
    const meta: ItfStateMeta = { index: i };
    if (i > 0) {
      for (const k of ['thread', 'location', 'label'] as const) {
        if (typeof sm[k] !== 'string') return fail(`${where}: "#meta"."${k}" (the step that led to it) is missing or not a string`);
        meta[k] = sm[k];
      }
      if (!Number.isInteger(sm.choice)) return fail(`${where}: "#meta"."choice" is missing or not an integer`);
      meta.choice = sm.choice as number;
      meta.step = i;
      if (sm.fired !== undefined) {
        if (!Array.isArray(sm.fired) || !sm.fired.every((t) => typeof t === 'string')) return fail(`${where}: "#meta"."fired" must be an array of strings`);
        meta.fired = sm.fired as string[];
      }
      if (sm.storeBuffers !== undefined) {
        if (typeof sm.storeBuffers !== 'string') return fail(`${where}: "#meta"."storeBuffers" must be a string`);
        meta.storeBuffers = sm.storeBuffers;
      }
    }
    for (const k of Object.keys(s)) if (k !== '#meta' && !vars.includes(k)) return fail(`${where} has "${k}", which "vars" does not list`);
    const pc = s[pcVar];
    if (!isRecord(pc) || !Object.values(pc).every((v) => typeof v === 'string'))
      return fail(`${where}: "${pcVar}" must be a record from thread name to location id`);
    const out: Record<string, unknown> = {};
    for (const k of vars) {
      if (k === pcVar) continue;
      if (!hasOwnKey(s, k)) return fail(`${where} has no value for variable "${k}" (every state must give every variable)`);
      setOwn(out, k, decodeValue(s[k], `${where}, ${k}`, fail));
    }
    return { index: i, meta, locations: pc as Record<string, string>, vars: out };
  });
  const meta: DecodedTrace['meta'] = { model, variant, params, source, pcVar, path };
  if (violation) meta.violation = violation;
  const out: DecodedTrace = { file, meta, vars: vars as string[], states };
  if (loop !== undefined) out.loop = loop as number;
  return out;
}

function decodeValue(v: unknown, where: string, fail: (what: string) => never): unknown {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) return fail(`${where} = ${v}: kmc values are int32 integers`);
    return v;
  }
  if (typeof v === 'string') return fail(`${where} = ${JSON.stringify(v)}: kmc variables hold no strings`);
  if (Array.isArray(v)) return v.map((x, i) => decodeValue(x, `${where}[${i}]`, fail));
  if (isRecord(v)) {
    if (hasOwnKey(v, '#bigint')) {
      const b = v['#bigint'];
      if (typeof b !== 'string' || !/^-?\d+$/.test(b)) return fail(`${where}: "#bigint" must be a string of digits, got ${JSON.stringify(b)}`);
      const n = Number(b);
      if (n < INT32_MIN || n > INT32_MAX) return fail(`${where} = ${b}: kmc values are int32 integers`);
      return n;
    }
    for (const tag of ['#set', '#tup', '#map', '#unserializable'])
      if (hasOwnKey(v, tag)) return fail(`${where}: an ITF ${tag.slice(1)} value; kmc states hold only integers, booleans, lists and records`);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k.startsWith('#')) return fail(`${where}: unknown ITF form "${k}"`);
      setOwn(out, k, decodeValue(x, `${where}.${k}`, fail));
    }
    return out;
  }
  return fail(`${where} is ${v === null ? 'null' : typeof v}, not an ITF value`);
}
