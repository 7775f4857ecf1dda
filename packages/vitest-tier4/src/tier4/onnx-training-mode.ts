/**
 * An ONNX graph exported in training mode (issue 8, item 5): `Dropout` whose `training_mode` input is
 * true, or `BatchNormalization` with `training_mode = 1` (opset 14+) or the running-statistics outputs
 * only training mode has (older opsets). Such a graph drops activations at random or normalises with
 * each batch's own statistics, so it does not compute the model the references came from; the verdict
 * says "the model was exported in training mode" instead of only "parity failed".
 *
 * The file is read as data: protobufjs decodes the few ModelProto fields this check needs (a subset of
 * onnx.proto, field numbers as in ONNX's own schema); every other field, weights included, is skipped.
 * Nothing runs.
 */
import protobuf from 'protobufjs/light.js';
import { readRegularFile } from 'vitest-tier4-fixtures';

/** Largest ONNX file read (protobuf's own limit: larger models keep their weights as external data). */
export const MAX_ONNX_BYTES = 2 ** 31 - 1;

// The subset of onnx.proto (ONNX IR, proto2) that the check reads; unknown fields are skipped by the decoder.
const ONNX_SUBSET = {
  nested: {
    onnx: {
      nested: {
        ModelProto: { fields: { graph: { type: 'GraphProto', id: 7 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 } } },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            op_type: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            i: { type: 'int64', id: 3 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            graphs: { rule: 'repeated', type: 'GraphProto', id: 11 },
          },
        },
        TensorProto: {
          fields: {
            data_type: { type: 'int32', id: 2 },
            int32_data: { rule: 'repeated', type: 'int32', id: 5 },
            int64_data: { rule: 'repeated', type: 'int64', id: 7 },
            name: { type: 'string', id: 8 },
            raw_data: { type: 'bytes', id: 9 },
          },
        },
      },
    },
  },
};

interface Tensor {
  data_type?: number;
  int32_data?: number[];
  int64_data?: unknown[];
  name?: string;
  raw_data?: Uint8Array;
}
interface Attribute {
  name?: string;
  i?: unknown;
  t?: Tensor;
  g?: Graph;
  graphs?: Graph[];
}
interface Node {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  attribute?: Attribute[];
  domain?: string;
}
interface Graph {
  node?: Node[];
  initializer?: Tensor[];
  input?: Array<{ name?: string }>;
}

let modelType: protobuf.Type | undefined;
function model(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(ONNX_SUBSET).lookupType('onnx.ModelProto');
  return modelType;
}

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'toNumber' in v && typeof (v as { toNumber: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return Number(v);
}

/** The first value of a scalar tensor as a truth value (bool, int32 or int64 storage), or null when empty. */
function truth(t: Tensor): boolean | null {
  if (t.raw_data && t.raw_data.length > 0) return t.raw_data[0] !== 0;
  if (t.int32_data && t.int32_data.length > 0) return t.int32_data[0] !== 0;
  if (t.int64_data && t.int64_data.length > 0) return num(t.int64_data[0]) !== 0;
  return null;
}

/** One node that computes in training mode. */
export interface TrainingModeNode {
  op_type: 'Dropout' | 'BatchNormalization';
  /** The node's name (or its first output when it has none). */
  node: string;
  /** Why: `training_mode true`, `training_mode = 1`, `running mean/var outputs`, or `training_mode from graph input 't'`. */
  why: string;
}

function graphFindings(g: Graph, out: TrainingModeNode[], outer: ReadonlyMap<string, boolean | 'input'>): void {
  // what a name holds, when it is a constant truth value or a graph input (subgraphs see the outer names)
  const known = new Map(outer);
  for (const t of g.initializer ?? []) if (t.name) known.set(t.name, truth(t) ?? false);
  for (const i of g.input ?? []) if (i.name && !known.has(i.name)) known.set(i.name, 'input');
  for (const n of g.node ?? []) {
    if (n.op_type === 'Constant' && (n.domain ?? '') === '' && n.output?.[0]) {
      const value = n.attribute?.find((a) => a.name === 'value');
      const valueInt = n.attribute?.find((a) => a.name === 'value_int');
      if (value?.t) known.set(n.output[0], truth(value.t) ?? false);
      else if (valueInt) known.set(n.output[0], num(valueInt.i) !== 0);
    }
  }
  for (const n of g.node ?? []) {
    const domain = n.domain ?? '';
    const name = n.name || n.output?.[0] || '(unnamed)';
    if (domain === '' && n.op_type === 'Dropout') {
      const tm = n.input?.[2];
      if (tm) {
        const v = known.get(tm);
        if (v === true) out.push({ op_type: 'Dropout', node: name, why: 'training_mode true' });
        else if (v === 'input') out.push({ op_type: 'Dropout', node: name, why: `training_mode from graph input '${tm}'` });
      }
    }
    if (domain === '' && n.op_type === 'BatchNormalization') {
      const tm = n.attribute?.find((a) => a.name === 'training_mode');
      if (tm && num(tm.i) !== 0) out.push({ op_type: 'BatchNormalization', node: name, why: 'training_mode = 1' });
      else if ((n.output ?? []).filter((o) => o !== '').length > 1) out.push({ op_type: 'BatchNormalization', node: name, why: 'running mean/var outputs (training mode only)' });
    }
    for (const a of n.attribute ?? []) {
      if (a.g) graphFindings(a.g, out, known);
      for (const sub of a.graphs ?? []) graphFindings(sub, out, known);
    }
  }
}

/**
 * The nodes of an ONNX model (its bytes) that compute in training mode, in graph order (subgraphs
 * included).
 * @throws Error when the bytes are not an ONNX ModelProto.
 */
export function trainingModeNodes(bytes: Uint8Array): TrainingModeNode[] {
  const m = model().decode(bytes) as unknown as { graph?: Graph };
  const out: TrainingModeNode[] = [];
  if (m.graph) graphFindings(m.graph, out, new Map());
  return out;
}

/** The verdict's sentence for training-mode nodes (at most 3 named), or null when there are none. */
export function trainingModeReason(artifact: string, nodes: readonly TrainingModeNode[]): string | null {
  if (nodes.length === 0) return null;
  const named = nodes.slice(0, 3).map((n) => `${n.op_type} '${n.node}' (${n.why})`);
  const more = nodes.length > 3 ? ` and ${nodes.length - 3} more` : '';
  return (
    `the model was exported in training mode: ${artifact} has ${named.join(', ')}${more}; ` +
    'its outputs are random draws or batch statistics, not the model the references came from: export after model.eval() with torch.onnx.export(..., training=torch.onnx.TrainingMode.EVAL), ' +
    'and call F.dropout with training=self.training'
  );
}

/**
 * {@link trainingModeReason} for the bytes of an ONNX file, or null when it computes in inference mode
 * or cannot be decoded (the runner reports a broken file).
 */
export function onnxBytesTrainingModeReason(bytes: Uint8Array, artifact: string): string | null {
  try {
    return trainingModeReason(artifact, trainingModeNodes(bytes));
  } catch {
    return null;
  }
}

/**
 * Reads an ONNX file and returns {@link trainingModeReason} for it, or null when it computes in
 * inference mode, or cannot be read or decoded (the runner reports a broken file).
 */
export async function onnxTrainingModeReason(path: string, artifact: string): Promise<string | null> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path, MAX_ONNX_BYTES);
  } catch {
    return null;
  }
  return onnxBytesTrainingModeReason(bytes, artifact);
}
