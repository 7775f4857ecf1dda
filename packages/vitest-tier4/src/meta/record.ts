import type { Tier4Record, Tier4TaskMeta } from './types.js';
import './augment.js';

/** The part of a Vitest task `recordTier4` needs (structural, so any Vitest task object fits). */
export interface TaskWithMeta {
  meta: { tier4?: Tier4TaskMeta };
}

/**
 * Appends a record to `task.meta.tier4.records`, creating the container on first use.
 * Does nothing when `task` is undefined (a matcher called outside a running test).
 *
 * @param task - The running test (`this.task` in a matcher, `expect.getState().task`, or the test context's `task`).
 * @param record - A JSON-serialisable record.
 * @returns The record, for chaining.
 */
export function recordTier4<T extends Tier4Record>(task: TaskWithMeta | undefined | null, record: T): T {
  if (task == null) return record;
  if (typeof task !== 'object' || typeof task.meta !== 'object' || task.meta === null) {
    throw new TypeError(`recordTier4: expected task to be a Vitest task with a meta object, received ${typeof task}`);
  }
  const existing = task.meta.tier4;
  if (existing && Array.isArray(existing.records)) {
    existing.records.push(record);
  } else {
    task.meta.tier4 = { records: [record] };
  }
  return record;
}

/**
 * Reads the records of a task (empty array when none).
 *
 * @param task - A task or anything with `meta`.
 */
export function readTier4Records(task: { meta?: { tier4?: Tier4TaskMeta } } | undefined | null): Tier4Record[] {
  return task?.meta?.tier4?.records ?? [];
}
