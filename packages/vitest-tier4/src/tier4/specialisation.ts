/**
 * Telling a graph specialised to its traced size from any other failure.
 *
 * `torch.jit.trace` and `torch.onnx.export` record a size read from a tensor as a Python int
 * (`int(x.shape[0])`, `x.view(2, -1)`) as a constant: the artifact then works only at the size it
 * was traced with. The exporter traces at batch 2 (and text at `max_seq_len`), records those sizes
 * in metadata.json's `traced_with`, and never uses batch 2 in the reference samples, so such a
 * graph fails. {@link diagnoseTracedSize} names the dimension when the failures line up with it.
 *
 * Pure: no I/O.
 */

/**
 * Whether a runner's error reads like a size that does not fit (ONNX Runtime's `GEMM: Dimension
 * mismatch`, `Got invalid dimensions for input`, torch's `shape '[2, -1]' is invalid for input of
 * size 384`, `The size of tensor a (3) must match ...`), as opposed to a timeout or a crash.
 */
export function isSizeError(message: string): boolean {
  return /dimension|shape|size|mismatch|reshape|broadcast|expand/i.test(message);
}

/** What one checked sample tells about a dimension. */
export interface SampleOutcome {
  /** e.g. `sample_001`. */
  id: string;
  /** Dynamic dimension sizes of the sample's inputs, e.g. `{ batch: 4, sequence: 12 }`. */
  bindings: Readonly<Record<string, number>>;
  /** The format failed on this sample (run error, shape or parity). */
  failed: boolean;
  /**
   * The dynamic dimensions its failure points at: `'all'` for a run error about sizes
   * ({@link isSizeError}; a timeout or a crash points at none), the dims of the output axes that came back with the wrong size for a shape failure,
   * none for wrong values of the right shape (an ignored mask, drift).
   */
  implicates: 'all' | readonly string[];
}

const list = (values: number[]): string => [...new Set(values)].join(', ');

/**
 * Names the dimension a format's failures follow, if any.
 *
 * A dimension explains the failures when every failing sample's failure implicates it (a run
 * error, or an output axis of that dimension with the wrong size: a constant size shows up there,
 * while wrong values of the right shape point elsewhere, e.g. an ignored mask, and a wrong fixed
 * axis is a metadata mismatch), every failing sample has a size for it that differs from the traced
 * size, and every passing sample has the traced size (so a graph that fails on some batch sizes and
 * passes on others is not called specialised). The batch is checked before the sequence.
 *
 * @param outcomes - one per checked sample.
 * @param traced - `traced_with` of metadata.json (null for an export that did not record it).
 * @returns the explanation to put in front of the format's reason, or null.
 */
export function diagnoseTracedSize(outcomes: readonly SampleOutcome[], traced: Readonly<Record<string, number>> | null): string | null {
  if (!traced) return null;
  const failing = outcomes.filter((o) => o.failed);
  if (failing.length === 0) return null;
  const passing = outcomes.filter((o) => !o.failed);
  const dims = Object.keys(traced).sort((a, b) => (a === 'batch' ? -1 : b === 'batch' ? 1 : a.localeCompare(b)));
  for (const dim of dims) {
    const size = traced[dim]!;
    const known = (o: SampleOutcome): boolean => typeof o.bindings[dim] === 'number';
    if (!failing.every(known) || !passing.every(known)) continue;
    if (!failing.every((o) => o.implicates === 'all' || o.implicates.includes(dim))) continue;
    if (!failing.every((o) => o.bindings[dim] !== size) || !passing.every((o) => o.bindings[dim] === size)) continue;
    const failedAt = list(failing.map((o) => o.bindings[dim]!));
    const passed = passing.length === 0 ? 'no sample passed' : `the ${passing.length} sample(s) at ${dim} ${size} passed`;
    return (
      `fails at ${dim} ${failedAt} (${failing.length}/${outcomes.length} samples; ${passed}): the exported graph looks specialised to ` +
      `the '${dim}' size it was traced with (${size}); a size read from a tensor as a Python int (int(x.shape[0]), x.view(${size}, -1)) ` +
      `is recorded as a constant, keep it symbolic (x.size(0), x.flatten(1), reshape(x.size(0), -1))`
    );
  }
  return null;
}
