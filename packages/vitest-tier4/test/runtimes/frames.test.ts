/**
 * FrameReader: frames split at any byte boundary, several frames in one chunk, and a large frame
 * arriving in many chunks.
 */
import { describe, expect, it } from 'vitest';
import { FrameReader } from '../../src/runtimes/frames.js';

function frame(header: Record<string, unknown>, payload: Buffer): Buffer {
  const head = Buffer.from(JSON.stringify({ ...header, payload_bytes: payload.length }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(head.length, 0);
  return Buffer.concat([len, head, payload]);
}

function feed(reader: FrameReader, bytes: Buffer, sizes: number[]): Array<{ id: unknown; payload: Buffer }> {
  const out: Array<{ id: unknown; payload: Buffer }> = [];
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const n = sizes[i++ % sizes.length]!;
    for (const f of reader.push(bytes.subarray(at, at + n))) out.push({ id: f.header['id'], payload: Buffer.from(f.payload) });
    at += n;
  }
  return out;
}

describe('FrameReader', () => {
  const payloads = [Buffer.alloc(0), Buffer.from([1, 2, 3]), Buffer.alloc(20_000, 7)];
  const stream = Buffer.concat(payloads.map((p, id) => frame({ id }, p)));

  for (const sizes of [[1], [7, 3], [65_536], [stream.length]]) {
    it(`reassembles every frame from chunks of ${sizes.join('/')} bytes`, () => {
      const frames = feed(new FrameReader(), stream, sizes);
      expect(frames.map((f) => f.id)).toEqual([0, 1, 2]);
      frames.forEach((f, i) => expect(f.payload.equals(payloads[i]!)).toBe(true));
    });
  }

  it('a large frame in 64 KiB chunks completes once, on its last chunk', () => {
    const big = frame({ id: 9 }, Buffer.alloc(8 << 20, 1));
    const reader = new FrameReader();
    let completed = 0;
    let at = 0;
    while (at < big.length) {
      const got = reader.push(big.subarray(at, at + 65_536));
      at += 65_536;
      if (got.length > 0) {
        completed += got.length;
        expect(at).toBeGreaterThanOrEqual(big.length);
        expect(got[0]!.payload.length).toBe(8 << 20);
      }
    }
    expect(completed).toBe(1);
  });

  it('a header that is not JSON is an error', () => {
    const bad = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{{{')]);
    expect(() => new FrameReader().push(bad)).toThrow(/^bad frame header/);
  });
});
