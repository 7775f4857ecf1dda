/** Runs the `tier4` CLI in the test process, as the CLI, trust and layers tests need it. */
import { main } from '../../src/cli/main.js';

/** What one CLI run gave: its exit code and everything it wrote to each stream. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tier4 <argv>` (main() of src/cli/main.ts) and collects what it writes. */
export async function cli(argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}
