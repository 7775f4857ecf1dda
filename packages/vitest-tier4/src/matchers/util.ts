import type { MatcherState } from 'vitest';
import { annotateTask, type TaskWithContext } from '../meta/annotate.js';
import { recordTier4 } from '../meta/record.js';
import { checkAnnotation, TIER4_ANNOTATION_TYPE } from '../report/annotation.js';
import type { Tier4Labels, Tier4Record } from '../meta/types.js';
import { toTensorView } from '../parity/view.js';
import type { TensorView } from '../parity/view.js';

/** What a matcher returns to Vitest. */
export interface MatcherResult {
  /** Whether the checked condition holds (Vitest applies `.not`). */
  pass: boolean;
  /** The failure message, built only when Vitest shows it. */
  message: () => string;
  /** What Vitest diffs as received. */
  actual?: unknown;
  /** What Vitest diffs as expected. */
  expected?: unknown;
}

/**
 * Records a matcher result in the running test's meta (no-op outside a test). When the assertion fails
 * (the check's `pass` equals `negated`), its key numbers are also attached to the test as a Vitest
 * annotation of type `tier4`, so they reach Vitest's UI, HTML and JUnit reporters and GitHub Actions.
 */
export function record(state: MatcherState, rec: Tier4Record & { pass: boolean; negated: boolean }): void {
  // asserted: a failure of this check throws in the test, so the test's outcome says whether it was expected
  recordTier4(state.task, { ...rec, asserted: true });
  if (rec.pass === rec.negated) annotateTask(state.task as TaskWithContext | undefined, checkAnnotation(rec), TIER4_ANNOTATION_TYPE);
}

/** Rethrows a TypeError from the parity core prefixed with the matcher name. */
export function asMatcherError(matcher: string, err: unknown): never {
  if (err instanceof TypeError) throw new TypeError(`${matcher}: ${err.message}`);
  throw err;
}

/** Validates the label fields of matcher options. */
export function pickLabels(matcher: string, options: Record<string, unknown>): Tier4Labels {
  const labels: Tier4Labels = {};
  for (const key of ['model', 'format', 'output'] as const) {
    const v = options[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new TypeError(`${matcher}: options.${key} must be a string, received ${typeof v}`);
    labels[key] = v;
  }
  const s = options.sample;
  if (s !== undefined) {
    if (typeof s !== 'string' && typeof s !== 'number') throw new TypeError(`${matcher}: options.sample must be a string or number, received ${typeof s}`);
    labels.sample = s;
  }
  return labels;
}

/** One line naming the labels (`model lm_stub, format onnx, output logits, sample 0`), or null. */
export function labelLine(labels: Tier4Labels): string | null {
  const parts: string[] = [];
  if (labels.model !== undefined) parts.push(`model ${labels.model}`);
  if (labels.format !== undefined) parts.push(`format ${labels.format}`);
  if (labels.output !== undefined) parts.push(`output ${labels.output}`);
  if (labels.sample !== undefined) parts.push(`sample ${labels.sample}`);
  return parts.length > 0 ? `Compared: ${parts.join(', ')}` : null;
}

/** A received value that is either a tensor or onnxruntime session metadata. */
export type Inspected =
  | { kind: 'tensor'; view: TensorView; shape: number[]; dtype: string }
  | { kind: 'metadata'; name: string | undefined; shape: (number | string)[]; dtype: string | null };

/**
 * Reads shape and dtype from a tensor, or from onnxruntime `InferenceSession` input/output metadata
 * (`{ name, isTensor, type, shape }`, where symbolic dimensions are strings).
 */
export function inspect(matcher: string, received: unknown): Inspected {
  if (typeof received === 'object' && received !== null && !ArrayBuffer.isView(received) && !Array.isArray(received) && !('data' in received)) {
    const meta = received as { name?: unknown; isTensor?: unknown; type?: unknown; shape?: unknown; dims?: unknown };
    const shape = meta.shape ?? meta.dims;
    if (Array.isArray(shape)) {
      const name = typeof meta.name === 'string' ? meta.name : undefined;
      if (meta.isTensor === false) {
        throw new TypeError(`${matcher}: received session metadata for the non-tensor value ${name ?? '(unnamed)'}: it has no shape or dtype`);
      }
      const dims = shape.map((d: unknown, i: number) => {
        if (typeof d === 'number' || typeof d === 'string') return d;
        if (typeof d === 'bigint') return Number(d);
        throw new TypeError(`${matcher}: received metadata shape entry ${i} must be a number or a string, received ${typeof d}`);
      });
      return { kind: 'metadata', name, shape: dims, dtype: typeof meta.type === 'string' ? meta.type : null };
    }
  }
  let view: TensorView;
  try {
    view = toTensorView(received, 'received');
  } catch (err) {
    asMatcherError(matcher, err);
  }
  return { kind: 'tensor', view, shape: view.shape, dtype: view.dtype };
}
