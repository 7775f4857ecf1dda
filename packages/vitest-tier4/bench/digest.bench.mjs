// Benchmark: the artifact digest check (size + streamed sha256, what runTier4 does before validating a format)
// on a 100 MB file, written once to the OS temp dir. Run after `pnpm run build`:
//   node packages/vitest-tier4/bench/digest.bench.mjs      (env: BENCH_MB, default 100; BENCH_REPEATS, default 5)
import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/tier4/artifact-digest.js', import.meta.url));
if (!existsSync(entry)) {
  console.error(`bench: ${entry} is missing; run \`pnpm run build\` at the repository root first`);
  process.exit(1);
}
const { checkArtifactDigest } = await import(entry);
const MB = Number(process.env.BENCH_MB ?? 100);
const REPEATS = Math.max(3, Number(process.env.BENCH_REPEATS ?? 5));
const path = join(tmpdir(), `vitest-tier4-digest-bench-${MB}mb.bin`);
if (!existsSync(path)) {
  const buf = Buffer.alloc(MB * 1_000_000);
  for (let i = 0; i < buf.length; i += 4096) buf[i] = i & 0xff;
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, buf);
  await rename(tmp, path);
}
await checkArtifactDigest(path, undefined); // warm the page cache
const runs = [];
for (let i = 0; i < REPEATS; i++) runs.push((await checkArtifactDigest(path, undefined)).ms);
runs.sort((a, b) => a - b);
console.log(`artifact digest (stat + sha256) of ${MB} MB: median ${runs[runs.length >> 1].toFixed(1)} ms, runs ${runs.map((r) => r.toFixed(1)).join(', ')} (node ${process.version})`);
