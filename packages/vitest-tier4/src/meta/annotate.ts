/**
 * Attaching a test annotation to the running test with Vitest's annotation API
 * (`TestContext.annotate`, reached from a matcher through `this.task.context`).
 */

/** The part of a Vitest task {@link annotateTask} needs (structural). */
export interface TaskWithContext {
  context?: { annotate?: (message: string, type?: string) => Promise<unknown> };
  result?: { state?: string };
}

/**
 * Adds an annotation to the running test. Vitest awaits it before the test ends, so synchronous matchers
 * can call this and return. Does nothing outside a running test (no task, no annotation API, or a test that
 * has already finished), and never throws: an annotation is extra information, never a reason for a test to
 * fail.
 *
 * @returns the annotation's promise (resolved when Vitest has recorded it), or undefined when none was made.
 */
export function annotateTask(task: TaskWithContext | undefined | null, message: string, type: string): Promise<unknown> | undefined {
  const annotate = task?.context?.annotate;
  if (typeof annotate !== 'function') return undefined;
  if (task?.result?.state !== undefined && task.result.state !== 'run') return undefined;
  try {
    const pending = annotate.call(task?.context, message, type);
    pending.catch(() => undefined);
    return pending;
  } catch {
    return undefined;
  }
}
