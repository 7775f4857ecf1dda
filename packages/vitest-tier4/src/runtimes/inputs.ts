/**
 * The one input check of every runner: the inputs of a run are an object whose names are exactly the
 * model's (none missing, none extra), returned in the model's order. Runners call it; runTier4 feeds
 * each runner only the inputs it names (`feedsFor`), so a sample input the graph dropped is not an error.
 */
import type { TensorMap } from './types.js';

/**
 * Checks `inputs` against the model's input names and returns them in the model's order.
 *
 * @param label - how the runner names itself in messages, e.g. `ONNX run(/x/model.onnx)`.
 * @param inputNames - the model's inputs, in order; empty when the runner cannot know them (every
 *   given input is then passed on in the given order).
 * @throws TypeError when `inputs` is not an object; Error naming the model's inputs, the received
 *   ones, and which are missing or unexpected.
 */
export function orderInputs(label: string, inputNames: readonly string[], inputs: TensorMap): Array<{ name: string; tensor: TensorMap[string] }> {
  if (typeof inputs !== 'object' || inputs === null) {
    throw new TypeError(`${label}: expected inputs as { name: TensorData }, received ${inputs === null ? 'null' : typeof inputs}`);
  }
  const given = Object.keys(inputs);
  if (inputNames.length === 0) return given.map((name) => ({ name, tensor: inputs[name]! }));
  const missing = inputNames.filter((n) => !(n in inputs));
  const extra = given.filter((n) => !inputNames.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `${label}: model inputs are [${inputNames.join(', ')}], received [${given.join(', ')}]` +
        (missing.length ? `; missing ${missing.map((n) => `'${n}'`).join(', ')}` : '') +
        (extra.length ? `; unexpected ${extra.map((n) => `'${n}'`).join(', ')}` : ''),
    );
  }
  return inputNames.map((name) => ({ name, tensor: inputs[name]! }));
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
