// What the workspace scripts (bootstrap, pytest, mypy) need from the system, and a finder for a Python
// interpreter that has it, before any package is installed or built. The library's own finder is
// `findPython` in vitest-tier4-fixtures; this one only answers "which interpreter has these modules"
// without importing them (find_spec is fast).
//
// Plain Node with no dependencies: it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The Debian packages the project needs, one entry a package. To need another package, add an entry;
 * the bootstrap installs every missing one in a single `apt-get install --no-install-recommends` call.
 *
 * - `name`: the Debian package.
 * - what proves it is installed, exactly one of: `module` (a Python module the interpreter must find),
 *   `command` (an executable on PATH), `path` (a file or directory that must exist).
 * - `tasks`: the bootstrap tasks that need it (`demo`, `test`); default both.
 *
 * @type {ReadonlyArray<{ name: string, module?: string, command?: string, path?: string, tasks?: ReadonlyArray<'demo' | 'test'> }>}
 */
export const DEBIAN_PACKAGES = [
  { name: 'python3-torch', module: 'torch' },
  { name: 'python3-onnx', module: 'onnx' },
  { name: 'python3-numpy', module: 'numpy' },
  // the resnet18 example (examples/models/resnet18.py) and the ViT export test
  { name: 'python3-torchvision', module: 'torchvision' },
  { name: 'python3-pytest', module: 'pytest', tasks: ['test'] },
  { name: 'python3-mypy', module: 'mypy', tasks: ['test'] },
  // headless browser of the HTML report's browser tests (driven by playwright-core; no browser download)
  { name: 'chromium', command: 'chromium', tasks: ['test'] },
  // pytest validates every export against packages/fixtures/schema/metadata.schema.json
  { name: 'python3-jsonschema', module: 'jsonschema', tasks: ['test'] },
  // the verdict tests export torchvision's mobilenet_v3_small (random init: logits near 1e-9)
  { name: 'python3-torchvision', module: 'torchvision', tasks: ['test'] },
];

/** The interpreter apt-get installs Debian's python3-* packages for. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/**
 * The entries of {@link DEBIAN_PACKAGES} a task needs.
 * @param {string} task - `demo` or `test`
 */
export function packagesFor(task) {
  return DEBIAN_PACKAGES.filter((p) => (p.tasks ?? ['demo', 'test']).includes(task));
}

/** The Python modules a task needs (from its package entries), plus `extra`. */
export function modulesFor(task, extra = []) {
  return [...new Set([...packagesFor(task).flatMap((p) => (p.module ? [p.module] : [])), ...extra])];
}

/** The `apt-get install` line for a list of package entries (what the user is told to run). */
export function aptCommand(entries) {
  return `apt-get install -y --no-install-recommends ${entries.map((p) => p.name).join(' ')}`;
}

/** Interpreters tried, in order: an explicit TIER4_PYTHON first, then the usual names. */
export function candidates() {
  const list = [];
  if (process.env.TIER4_PYTHON) list.push(process.env.TIER4_PYTHON);
  list.push('python3', DEBIAN_PYTHON, 'python');
  return [...new Set(list)];
}

/**
 * The absolute path of `command` on PATH (or the path itself when it contains a slash), without
 * starting a process; null when there is no such executable file.
 * @param {string} command
 */
export function whichSync(command) {
  const isExe = (p) => {
    try {
      if (!statSync(p).isFile()) return false;
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return isExe(command) ? command : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExe(join(dir, command))) return join(dir, command);
  }
  return null;
}

/**
 * Asks one interpreter where it finds each module (find_spec: nothing is imported).
 * @param {string} candidate
 * @param {string[]} modules
 * @returns {{ ok: true, exe: string, found: Record<string, string>, missing: string[] } | { ok: false, problem: string }}
 *   `found` maps each found module to the file or directory it loads from.
 */
export function probeModules(candidate, modules) {
  const code = [
    'import importlib.util, json, sys',
    `mods = ${JSON.stringify(modules)}`,
    'found, missing = {}, []',
    'for m in mods:',
    '    s = importlib.util.find_spec(m)',
    '    if s is None: missing.append(m)',
    '    else: found[m] = (list(s.submodule_search_locations or []) or [s.origin or ""])[0]',
    'print(json.dumps({"exe": sys.executable, "found": found, "missing": missing}))',
  ].join('\n');
  const result = spawnSync(candidate, ['-c', code], { encoding: 'utf8', timeout: 30_000 });
  if (result.error || result.status !== 0) return { ok: false, problem: 'not runnable' };
  try {
    const { exe, found, missing } = JSON.parse(result.stdout.trim().split('\n').pop() ?? '');
    return { ok: true, exe, found, missing };
  } catch {
    return { ok: false, problem: 'unreadable answer' };
  }
}

/**
 * @param {string[]} modules
 * @returns {{ python: string | null, found: Record<string, string>, report: string }} the first
 *   interpreter that has every module (with where it found each), and a one-line account of what each
 *   tried interpreter lacked.
 */
export function findPython(modules) {
  const tried = [];
  for (const candidate of candidates()) {
    const probe = probeModules(candidate, modules);
    if (!probe.ok) {
      tried.push(`${candidate}: ${probe.problem}`);
      continue;
    }
    if (probe.missing.length === 0) return { python: probe.exe, found: probe.found, report: '' };
    tried.push(`${candidate} (${probe.exe}): missing ${probe.missing.join(', ')}`);
  }
  return { python: null, found: {}, report: tried.join('; ') };
}
