/**
 * The worker's hello: the first answer of every Python worker (private or leased from the pool),
 * checked before any other request. A worker of another protocol version, or one whose hello lacks
 * a field, is refused with a message naming both sides, instead of failing later on a request
 * it reads differently.
 */

/**
 * The protocol version this client speaks; python/tier4_export/worker.py's `PROTOCOL_VERSION` must
 * be the same (a start fails otherwise, so the two cannot drift unnoticed).
 */
export const WORKER_PROTOCOL_VERSION = 1;

/** Information the worker reports at start. */
export interface WorkerHello {
  pid: number;
  python: string;
  executable: string;
  torch: string;
  num_threads: number;
  /** torch.get_num_interop_threads() (workers before this field: absent). */
  num_interop_threads?: number;
  /** BLAS, ATen parallel backend and oneDNN of the worker's torch, e.g. `BLAS generic, ATen parallel OpenMP, oneDNN on`. */
  backend?: string;
  clock: string;
  protocol: number;
  /**
   * Process id of the worker's zygote, forked right after `import torch` (python/tier4_export/zygote.py): the
   * worker serves `memory_probe` from it. Absent when the worker has none (not Linux, `TIER4_WORKER_ZYGOTE=0`).
   */
  zygote_pid?: number;
}

const REQUIRED: ReadonlyArray<[keyof WorkerHello, 'string' | 'integer']> = [
  ['protocol', 'integer'],
  ['pid', 'integer'],
  ['python', 'string'],
  ['executable', 'string'],
  ['torch', 'string'],
  ['num_threads', 'integer'],
  ['clock', 'string'],
];
const OPTIONAL: ReadonlyArray<[keyof WorkerHello, 'string' | 'integer']> = [
  ['num_interop_threads', 'integer'],
  ['backend', 'string'],
  ['zygote_pid', 'integer'],
];

/**
 * The hello of a worker's answer header (`id`, `ok`, `tensors`, `payload_bytes` and the pool's own
 * `pool` field dropped), checked.
 *
 * @param header - the hello answer's header.
 * @param where - the worker, as messages name it (e.g. `Python worker /usr/bin/python3`).
 * @returns the problem as a sentence, or the hello.
 */
export function parseWorkerHello(header: Record<string, unknown>, where: string): { hello: WorkerHello } | { problem: string } {
  const { id: _id, ok: _ok, tensors: _t, payload_bytes: _p, ...fields } = header;
  if (fields.protocol !== WORKER_PROTOCOL_VERSION) {
    return {
      problem:
        `${where} speaks worker protocol ${JSON.stringify(fields.protocol)}, this vitest-tier4 speaks ${WORKER_PROTOCOL_VERSION}: ` +
        'its tier4_export (TIER4_PYTHONPATH or the package\'s python/ directory) comes from another version of vitest-tier4',
    };
  }
  const wrong: string[] = [];
  const check = (name: string, kind: 'string' | 'integer', required: boolean): void => {
    const v = fields[name];
    if (v === undefined && !required) return;
    const ok = kind === 'string' ? typeof v === 'string' && v.length > 0 : Number.isInteger(v);
    if (!ok) wrong.push(`${name} (expected ${kind === 'string' ? 'a non-empty string' : 'an integer'}, received ${v === undefined ? 'nothing' : JSON.stringify(v)})`);
  };
  for (const [name, kind] of REQUIRED) check(name, kind, true);
  for (const [name, kind] of OPTIONAL) check(name, kind, false);
  if (wrong.length > 0) return { problem: `${where} said hello without the fields ${wrong.join(', ')}` };
  return { hello: fields as unknown as WorkerHello };
}
