/**
 * The reference tensors of a per-layer comparison, read from the file the Python side wrote
 * (python/tier4_export/layers/transfer.py): one read into one buffer, and every tensor a typed
 * array *view* of it (each starts at a 64-byte aligned offset), so the activations are held once.
 */
import { readFile } from 'node:fs/promises';
import { DTYPE_TABLE, isDType, type TensorData } from 'vitest-tier4-fixtures/tensor';
import { numelOf } from '../runtimes/tensor.js';

/** Where one tensor lies in the references file (the worker's `references.tensors[]`). */
export interface ReferenceSpec {
  name: string;
  dtype: string;
  shape: number[];
  offset: number;
  nbytes: number;
}

/**
 * Reads `file` and returns its tensors by name, viewing the file's bytes (copied only when a
 * tensor's offset is not aligned to its element size).
 *
 * @throws Error naming the tensor whose dtype is unknown, whose byte count does not match its
 *   shape, or that lies outside the file.
 */
export async function readReferences(file: string, specs: readonly ReferenceSpec[]): Promise<Map<string, TensorData>> {
  const buf = await readFile(file);
  const out = new Map<string, TensorData>();
  for (const s of specs) {
    const what = `reference tensor '${s.name}' of ${file}`;
    if (!isDType(s.dtype)) throw new Error(`${what}: unknown dtype ${JSON.stringify(s.dtype)}`);
    if (!Array.isArray(s.shape) || !s.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`${what}: shape must be a list of integers >= 0, received ${JSON.stringify(s.shape)}`);
    }
    const Ctor = DTYPE_TABLE[s.dtype].array;
    const n = numelOf(s.shape);
    if (s.nbytes !== n * Ctor.BYTES_PER_ELEMENT) {
      throw new Error(`${what}: ${s.nbytes} bytes for shape [${s.shape.join(', ')}] ${s.dtype} (expected ${n * Ctor.BYTES_PER_ELEMENT})`);
    }
    if (!(Number.isInteger(s.offset) && s.offset >= 0 && s.offset + s.nbytes <= buf.byteLength)) {
      throw new Error(`${what}: bytes ${s.offset}..${s.offset + s.nbytes} lie outside the file (${buf.byteLength} bytes)`);
    }
    const start = buf.byteOffset + s.offset;
    const data =
      start % Ctor.BYTES_PER_ELEMENT === 0
        ? new Ctor(buf.buffer, start, n)
        : new Ctor(new Uint8Array(buf.subarray(s.offset, s.offset + s.nbytes)).buffer, 0, n);
    out.set(s.name, { dtype: s.dtype, shape: [...s.shape], data });
  }
  return out;
}
