/**
 * The worker protocol's frames, encoded and decoded here only: on the Python worker's pipes
 * (python-worker.ts) and on the pool's socket (pool/pool-server.ts, pool/pool-client.ts). A frame is
 * `uint32 BE header length`, the JSON header, then `header.payload_bytes` bytes of little-endian
 * tensor data described by `header.tensors` (docs/runtimes.md). The Python side is
 * python/tier4_export/worker.py.
 */
import type { TensorData } from 'vitest-tier4-fixtures';
import { assertTensorData, isDType, tensorBytes, tensorFromBytes } from './tensor.js';

/** One decoded frame: its JSON header and its raw payload. */
export interface Frame {
  header: Record<string, unknown>;
  payload: Buffer;
}

/** A named tensor as it travels in a frame (`named`: the model gave the name, not its position). */
export interface FrameTensor {
  name: string;
  named?: boolean;
  tensor: TensorData;
}

/** Largest header accepted (a corrupt length must not make the reader wait for gigabytes). */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

/**
 * The buffers of one frame, to be written in order: `tensors` go into the payload and are listed
 * in `header.tensors` (`payload_bytes` is filled in); `what` names them in errors (`input 'x'`).
 * @throws TypeError naming a tensor that is not a well-formed TensorData.
 */
export function encodeFrame(header: Record<string, unknown>, tensors: readonly FrameTensor[] = [], what = 'tensor'): Buffer[] {
  const specs: Array<Record<string, unknown>> = [];
  const buffers: Uint8Array[] = [];
  let offset = 0;
  for (const { name, named, tensor } of tensors) {
    assertTensorData(tensor, `${what} '${name}'`);
    const bytes = tensorBytes(tensor);
    specs.push({ name, ...(named === undefined ? {} : { named }), dtype: tensor.dtype, shape: tensor.shape, offset, nbytes: bytes.byteLength });
    buffers.push(bytes);
    offset += bytes.byteLength;
  }
  const head = Buffer.from(JSON.stringify({ ...header, tensors: specs, payload_bytes: offset }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(head.byteLength, 0);
  return [len, head, ...buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))];
}

/**
 * The tensors of a frame's payload, in header order.
 * @throws Error naming a tensor whose dtype is unknown or whose bytes do not match its shape.
 */
export function decodeTensors(frame: Frame): FrameTensor[] {
  const specs = (frame.header.tensors ?? []) as Array<{ name: string; named?: boolean; dtype: string; shape: number[]; offset: number; nbytes: number }>;
  if (!Array.isArray(specs)) throw new Error(`frame header 'tensors' must be a list, received ${JSON.stringify(specs)}`);
  return specs.map((s) => {
    if (!isDType(s.dtype)) throw new Error(`tensor '${s.name}' has unknown dtype '${s.dtype}'`);
    if (!(Number.isInteger(s.offset) && s.offset >= 0 && Number.isInteger(s.nbytes) && s.offset + s.nbytes <= frame.payload.length)) {
      throw new Error(`tensor '${s.name}' lies outside the payload (offset ${s.offset}, ${s.nbytes} bytes, payload ${frame.payload.length} bytes)`);
    }
    const bytes = frame.payload.subarray(s.offset, s.offset + s.nbytes);
    return { name: s.name, named: s.named === true, tensor: tensorFromBytes(s.dtype, s.shape, bytes) };
  });
}

/** Splits a byte stream into frames. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  // Chunks not yet assembled and the bytes the next frame still needs: assembling on every chunk
  // copied the whole buffer each time (quadratic in the frame size; seconds for a 33 MB frame).
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private need = 0;

  /**
   * Adds a chunk; returns the frames it completed, in order.
   * @throws Error on a header that is not JSON or is too long (the stream cannot be resynchronised).
   */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    const frames: Frame[] = [];
    if (this.chunkBytes < this.need) return frames;
    this.buffer = this.buffer.length === 0 && this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat([this.buffer, ...this.chunks]);
    this.chunks = [];
    this.chunkBytes = 0;
    this.need = 0;
    for (;;) {
      if (this.buffer.length < 4) {
        this.need = 4 - this.buffer.length;
        break;
      }
      const headerLen = this.buffer.readUInt32BE(0);
      if (headerLen > MAX_HEADER_BYTES) throw new Error(`frame header of ${headerLen} bytes (at most ${MAX_HEADER_BYTES})`);
      if (this.buffer.length < 4 + headerLen) {
        this.need = 4 + headerLen - this.buffer.length;
        break;
      }
      let header: Record<string, unknown>;
      try {
        header = JSON.parse(this.buffer.subarray(4, 4 + headerLen).toString('utf8')) as Record<string, unknown>;
      } catch (error) {
        throw new Error(`bad frame header (${(error as Error).message})`, { cause: error });
      }
      const payloadLen = Number(header.payload_bytes ?? 0);
      if (!Number.isInteger(payloadLen) || payloadLen < 0) throw new Error(`bad payload_bytes ${JSON.stringify(header.payload_bytes)}`);
      const total = 4 + headerLen + payloadLen;
      if (this.buffer.length < total) {
        this.need = total - this.buffer.length;
        break;
      }
      frames.push({ header, payload: this.buffer.subarray(4 + headerLen, total) });
      this.buffer = this.buffer.subarray(total);
    }
    return frames;
  }
}
