#!/usr/bin/env node
// `node scripts/cpu-time.mjs <fd> <command> [args...]`: runs the command with inherited stdio and,
// when it ends, writes one JSON line `{"status", "signal", "cpuMs"}` to file descriptor <fd>, then
// exits with the command's status. `cpuMs` is the user + system CPU time of the command and every
// process under it that was waited for (Linux: the cutime/cstime fields of /proc/self/stat, which
// count exactly the reaped children of this process); null where /proc is not there.
//
// scripts/check.mjs runs each of its steps through this so that it can print per-step CPU times:
// unlike wall times, they do not depend on how busy the machine is.
//
// Plain Node with no dependencies.
import { spawn } from 'node:child_process';
import { readFileSync, writeSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux ABI). */
const USER_HZ = 100;

function childrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // fields after the command name (which may hold spaces) start at field 3 (state)
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cutime = Number(fields[16 - 3]);
    const cstime = Number(fields[17 - 3]);
    if (!Number.isFinite(cutime) || !Number.isFinite(cstime)) return null;
    return ((cutime + cstime) * 1000) / USER_HZ;
  } catch {
    return null;
  }
}

const [fdArg, command, ...args] = process.argv.slice(2);
const fd = Number(fdArg);
if (!Number.isInteger(fd) || fd < 3 || !command) {
  process.stderr.write(`usage: cpu-time.mjs <fd >= 3> <command> [args...] (received ${JSON.stringify(process.argv.slice(2))})\n`);
  process.exit(2);
}

const child = spawn(command, args, { stdio: ['inherit', 'inherit', 'inherit'] });
// a signal to this wrapper is passed on, so the command can clean up
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
const report = (result) => {
  try {
    writeSync(fd, `${JSON.stringify(result)}\n`);
  } catch {
    // the parent went away: nobody to tell
  }
};
child.on('error', (error) => {
  process.stderr.write(`cpu-time: cannot run ${command}: ${error.message}\n`);
  report({ status: 127, signal: null, cpuMs: childrenCpuMs() });
  process.exit(127);
});
child.on('exit', (status, signal) => {
  report({ status, signal, cpuMs: childrenCpuMs() });
  process.exit(status ?? 1);
});
