// Finds a Python interpreter for the workspace scripts (bootstrap and pytest), before any package is
// installed or built. The library's own finder is `findPython` in vitest-tier4-fixtures; this one only
// answers "which interpreter has these modules" without importing them (find_spec is fast).
import { spawnSync } from 'node:child_process';

/** Debian packages that provide everything the project needs on the Python side. */
export const DEBIAN_PACKAGES = ['python3-torch', 'python3-onnx', 'python3-numpy', 'python3-pytest', 'python3-mypy'];

/** Interpreters tried, in order: an explicit TIER4_PYTHON first, then the usual names. */
export function candidates() {
  const list = [];
  if (process.env.TIER4_PYTHON) list.push(process.env.TIER4_PYTHON);
  list.push('python3', '/usr/bin/python3', 'python');
  return [...new Set(list)];
}

/**
 * @param {string[]} modules
 * @returns {{ python: string | null, report: string }} the first interpreter that has every module,
 *   and a one-line account of what each tried interpreter lacked.
 */
export function findPython(modules) {
  const code = [
    'import importlib.util, json, sys',
    `mods = ${JSON.stringify(modules)}`,
    'print(json.dumps({"exe": sys.executable, "missing": [m for m in mods if importlib.util.find_spec(m) is None]}))',
  ].join('\n');
  const tried = [];
  for (const candidate of candidates()) {
    const result = spawnSync(candidate, ['-c', code], { encoding: 'utf8' });
    if (result.error || result.status !== 0) {
      tried.push(`${candidate}: not runnable`);
      continue;
    }
    try {
      const { exe, missing } = JSON.parse(result.stdout.trim().split('\n').pop() ?? '');
      if (missing.length === 0) return { python: exe, report: '' };
      tried.push(`${candidate} (${exe}): missing ${missing.join(', ')}`);
    } catch {
      tried.push(`${candidate}: unreadable answer`);
    }
  }
  return { python: null, report: tried.join('; ') };
}
