/**
 * The one input check of every runner: the inputs of a run are an object whose names are exactly the
 * model's (none missing, none extra), returned in the model's order, and, when the runner was opened
 * on an export dir, each has the dtype and shape metadata.json declares for it (fixed axes equal, a
 * dynamic axis the same size wherever it appears). Runners call it before anything reaches the runtime,
 * so a float64 sample fed to a float32 graph is named here, not by onnxruntime's or TorchScript's
 * internal message. runTier4 feeds each runner only the inputs it names (`feedsFor`), so a sample input
 * the graph dropped is not an error, and reports a sample's batch size as measured on its inputs
 * ({@link checkSampleBatch}), never as metadata.json claims it.
 */
import type { TensorSpec } from 'vitest-tier4-fixtures';
import type { TensorMap } from './types.js';

/** What metadata.json declares of one model input (`inputs[]`): name, dtype, shape with named dynamic axes. */
export type DeclaredInput = Pick<TensorSpec, 'name' | 'dtype' | 'shape'>;

const showShape = (shape: readonly unknown[]): string => `[${shape.map((d) => (typeof d === 'string' ? d : String(d))).join(', ')}]`;

/** The shape of a well-formed tensor, else null (a malformed tensor is the runtime's TensorData check to name). */
function shapeOf(t: unknown): readonly number[] | null {
  if (typeof t !== 'object' || t === null) return null;
  const { shape } = t as { shape?: unknown };
  return Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && (d as number) >= 0) ? (shape as number[]) : null;
}

/**
 * Checks each given input that `declared` names against its declared dtype and shape; returns the sizes
 * the dynamic axes take (`{ batch: 4 }`).
 *
 * @throws Error `<label>: input '<name>' expected <dtype> <shape> (metadata.json), received <dtype> <shape>`
 *   and what differs (the dtype, the rank, an axis, or a dynamic axis bound to another size by another input).
 */
function checkDeclared(label: string, declared: readonly DeclaredInput[], inputs: TensorMap, names: readonly string[]): Record<string, number> {
  const bound: Record<string, { size: number; by: string }> = {};
  for (const name of names) {
    const spec = declared.find((d) => d.name === name);
    const t = inputs[name];
    const shape = shapeOf(t);
    if (!spec || !shape) continue;
    const dtype = (t as { dtype?: unknown }).dtype;
    const fail = (what: string): never => {
      throw new Error(
        `${label}: input '${name}' expected ${spec.dtype} ${showShape(spec.shape)} (metadata.json), received ${String(dtype)} ${showShape(shape)}: ${what}`,
      );
    };
    if (dtype !== spec.dtype) fail(`dtype ${String(dtype)} is not ${spec.dtype}`);
    if (shape.length !== spec.shape.length) fail(`${shape.length} axes, expected ${spec.shape.length}`);
    spec.shape.forEach((d, axis) => {
      const got = shape[axis]!;
      if (typeof d === 'number') {
        if (got !== d) fail(`axis ${axis} is ${got}, expected ${d}`);
        return;
      }
      const prior = bound[d];
      if (prior === undefined) bound[d] = { size: got, by: name };
      else if (prior.size !== got) {
        fail(`axis ${axis} ('${d}') is ${got}, but '${d}' is ${prior.size} in ${prior.by === name ? 'an earlier axis' : `input '${prior.by}'`}`);
      }
    });
  }
  return Object.fromEntries(Object.entries(bound).map(([k, v]) => [k, v.size]));
}

/**
 * Checks `inputs` against the model's input names (and, when given, metadata.json's declared dtypes and
 * shapes) and returns them in the model's order.
 *
 * @param label - how the runner names itself in messages, e.g. `ONNX run(/x/model.onnx)`.
 * @param inputNames - the model's inputs, in order; empty when the runner cannot know them (every
 *   given input is then passed on in the given order).
 * @param declared - metadata.json's `inputs` when the runner was opened on an export dir; inputs it
 *   does not name are not checked beyond their name. Default: none (a runner on a bare artifact file).
 * @throws TypeError when `inputs` is not an object; Error naming the model's inputs, the received
 *   ones, and which are missing or unexpected; Error naming the input, the declared dtype and shape and
 *   the received ones, and what differs.
 */
export function orderInputs(
  label: string,
  inputNames: readonly string[],
  inputs: TensorMap,
  declared: readonly DeclaredInput[] = [],
): Array<{ name: string; tensor: TensorMap[string] }> {
  if (typeof inputs !== 'object' || inputs === null) {
    throw new TypeError(`${label}: expected inputs as { name: TensorData }, received ${inputs === null ? 'null' : typeof inputs}`);
  }
  const given = Object.keys(inputs);
  if (inputNames.length === 0) {
    checkDeclared(label, declared, inputs, given);
    return given.map((name) => ({ name, tensor: inputs[name]! }));
  }
  const missing = inputNames.filter((n) => !(n in inputs));
  const extra = given.filter((n) => !inputNames.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `${label}: model inputs are [${inputNames.join(', ')}], received [${given.join(', ')}]` +
        (missing.length ? `; missing ${missing.map((n) => `'${n}'`).join(', ')}` : '') +
        (extra.length ? `; unexpected ${extra.map((n) => `'${n}'`).join(', ')}` : ''),
    );
  }
  checkDeclared(label, declared, inputs, inputNames);
  return inputNames.map((name) => ({ name, tensor: inputs[name]! }));
}

/**
 * The batch size of one set of inputs as measured on them: the size of the dynamic axis named `batch`
 * (the exporter's name) in the first declared input that has one, else axis 0 of the first declared
 * input given; null when no declared input is given with at least one axis.
 */
export function measuredBatchSize(declared: readonly DeclaredInput[], inputs: TensorMap): number | null {
  return batchOf(declared, inputs)?.size ?? null;
}

function batchOf(declared: readonly DeclaredInput[], inputs: TensorMap): { size: number; name: string; shape: readonly number[] } | null {
  for (const spec of declared) {
    const axis = spec.shape.indexOf('batch');
    const shape = shapeOf(inputs[spec.name]);
    if (axis >= 0 && shape && shape.length === spec.shape.length) return { size: shape[axis]!, name: spec.name, shape };
  }
  for (const spec of declared) {
    const shape = shapeOf(inputs[spec.name]);
    if (shape && shape.length > 0) return { size: shape[0]!, name: spec.name, shape };
  }
  return null;
}

/**
 * Checks a reference sample's inputs against metadata.json's declared inputs (as {@link orderInputs}
 * does) and its recorded `batch_size` against the batch its inputs have; returns the measured batch
 * size (the recorded one when it cannot be measured).
 *
 * @param declared - metadata.json's `inputs`.
 * @param sample - the loaded sample: its id, its recorded `batch_size` and its inputs.
 * @throws Error `<id>: metadata.json records batch_size <n>, but input '<name>' has batch <m> (shape [...])`,
 *   or an input's dtype/shape error.
 */
export function checkSampleBatch(declared: readonly DeclaredInput[], sample: { id: string; batchSize: number; inputs: TensorMap }): number {
  checkDeclared(sample.id, declared, sample.inputs, Object.keys(sample.inputs));
  const batch = batchOf(declared, sample.inputs);
  if (batch === null) return sample.batchSize;
  if (batch.size !== sample.batchSize) {
    throw new Error(
      `${sample.id}: metadata.json records batch_size ${sample.batchSize}, but input '${batch.name}' has batch ${batch.size} (shape ${showShape(batch.shape)})`,
    );
  }
  return batch.size;
}

/**
 * The sample inputs a runner takes: all of them when the runner does not name its inputs, else only
 * the named ones (a missing one still reaches {@link orderInputs}'s error).
 */
export function feedsFor(inputNames: readonly string[]): (inputs: TensorMap) => TensorMap {
  if (inputNames.length === 0) return (inputs) => inputs;
  return (inputs) => Object.fromEntries(Object.entries(inputs).filter(([name]) => inputNames.includes(name)));
}

/** Sample inputs the runner does not take (torch.onnx.export drops inputs the graph does not use). */
export function unusedInputs(inputNames: readonly string[], given: Iterable<string>): string[] {
  if (inputNames.length === 0) return [];
  return [...new Set(given)].filter((n) => !inputNames.includes(n));
}
