/**
 * One-line messages naming the thing, the expected and the received, for the bad CLI inputs of
 * issue 9: negative numbers to numeric flags (node's parseArgs said "argument is ambiguous"), an
 * empty export dir argument (it meant the current directory), a directory that does not exist.
 */
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('tier4 validate: one-line usage errors (exit 2)', () => {
  test.each([
    [['validate', 'x', '--samples', '-1'], "tier4: --samples expects an integer >= 1, received '-1' (see tier4 --help)\n"],
    [['validate', 'x', '--iterations', '-3'], "tier4: --iterations expects an integer >= 1, received '-3' (see tier4 --help)\n"],
    [['validate', 'x', '--timeout-ms', '-5'], "tier4: --timeout-ms expects an integer >= 1, received '-5' (see tier4 --help)\n"],
    [['validate', 'x', '--budget-ms', '-0.5'], "tier4: --budget-ms expects a number > 0, received '-0.5' (see tier4 --help)\n"],
    [['validate', ''], 'tier4: validate: <export-dir> expects a directory path, received "" (see tier4 --help)\n'],
  ])('%j', async (argv, message) => {
    expect(await cli(argv)).toEqual({ code: 2, stdout: '', stderr: message });
  });

  test('a directory that does not exist says so (not that its metadata.json is missing)', async () => {
    const r = await cli(['validate', '/nonexistent/tier4/export', '--no-latency']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'tier4: cannot read export dir /nonexistent/tier4/export: Export directory /nonexistent/tier4/export does not exist\n' });
  });
});
