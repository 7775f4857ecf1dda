import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { parseWorkerHello, WORKER_PROTOCOL_VERSION } from '../../src/runtimes/worker-hello.js';

const HELLO = {
  id: 1,
  ok: true,
  tensors: [],
  payload_bytes: 0,
  protocol: WORKER_PROTOCOL_VERSION,
  pid: 4242,
  python: '3.11.2',
  executable: '/usr/bin/python3',
  torch: '2.1.0',
  num_threads: 2,
  num_interop_threads: 2,
  backend: 'BLAS generic',
  clock: 'time.perf_counter_ns',
};

test('a hello of this protocol is accepted, without the frame fields', () => {
  const r = parseWorkerHello(HELLO, 'Python worker /usr/bin/python3');
  expect(r).toEqual({ hello: { protocol: 1, pid: 4242, python: '3.11.2', executable: '/usr/bin/python3', torch: '2.1.0', num_threads: 2, num_interop_threads: 2, backend: 'BLAS generic', clock: 'time.perf_counter_ns' } });
});

test('a worker of another protocol version is refused, naming both versions and where tier4_export comes from', () => {
  expect(parseWorkerHello({ ...HELLO, protocol: 2 }, 'Python worker /usr/bin/python3')).toEqual({
    problem:
      "Python worker /usr/bin/python3 speaks worker protocol 2, this vitest-tier4 speaks 1: its tier4_export (TIER4_PYTHONPATH or the package's python/ directory) comes from another version of vitest-tier4",
  });
  const { protocol: _p, ...none } = HELLO;
  expect(parseWorkerHello(none, 'w')).toEqual({ problem: expect.stringMatching(/^w speaks worker protocol undefined, this vitest-tier4 speaks 1/) as unknown });
});

test('a hello missing a field or with a wrong type names each field, the expected and the received', () => {
  const { torch: _t, ...noTorch } = HELLO;
  expect(parseWorkerHello({ ...noTorch, num_threads: '2', backend: 7 }, 'w')).toEqual({
    problem: 'w said hello without the fields torch (expected a non-empty string, received nothing), num_threads (expected an integer, received "2"), backend (expected a non-empty string, received 7)',
  });
});

test('zygote_pid, when the worker has a zygote, is an integer', () => {
  const r = parseWorkerHello({ ...HELLO, zygote_pid: 4243 }, 'w');
  expect('hello' in r && r.hello.zygote_pid).toBe(4243);
  expect(parseWorkerHello({ ...HELLO, zygote_pid: null }, 'w')).toEqual({ problem: 'w said hello without the fields zygote_pid (expected an integer, received null)' });
});

test("the Python worker's PROTOCOL_VERSION is the client's", () => {
  const worker = readFileSync(fileURLToPath(new URL('../../../../python/tier4_export/worker.py', import.meta.url)), 'utf8');
  expect(/^PROTOCOL_VERSION = (\d+)$/m.exec(worker)?.[1]).toBe(String(WORKER_PROTOCOL_VERSION));
});
