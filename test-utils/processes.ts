/**
 * Process helpers the tests of both packages use (imported by relative path from
 * packages/fixtures/test and packages/vitest-tier4/test; not part of either package, so never shipped).
 * Linux only, like the tests that need them: they read /proc and wait on a pidfd.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The Python that has torch on this machine kind (docs of the field notes); any python3 can run the pidfd wait. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Whether a process with this pid runs (a zombie, exited and not yet reaped, counts as gone). */
export function processAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Python that waits for a pid to exit on a Linux pidfd (an event, not polling); exit 0 gone, 1 timed out. */
const PIDFD_WAIT = [
  'import os, select, sys',
  'try:',
  '    fd = os.pidfd_open(int(sys.argv[1]))',
  'except ProcessLookupError:',
  '    sys.exit(0)',
  'ready, _, _ = select.select([fd], [], [], float(sys.argv[2]))',
  'sys.exit(0 if ready else 1)',
].join('\n');

/**
 * Waits until `pid` is gone (or `timeoutMs` passes); returns whether it is gone. No polling: the
 * kernel signals the exit on a pidfd (watched by a small {@link SYSTEM_PYTHON}; a zombie counts as gone).
 * An exit ends the wait at once; the default bound only decides when a process that never goes is
 * called a leak (generous, so a loaded machine is not mistaken for one).
 */
export async function waitForExit(pid: number | undefined, timeoutMs = 60_000): Promise<boolean> {
  if (pid === undefined) return true;
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(SYSTEM_PYTHON, ['-c', PIDFD_WAIT, String(pid), String(timeoutMs / 1000)], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (c) => resolve(c));
  });
  return code === 0;
}
