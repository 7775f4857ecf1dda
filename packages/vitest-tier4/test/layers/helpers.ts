/**
 * Helpers of the per-layer tests: export the test models (models/vision.py) through the fixture
 * cache, and put faults into copies of a model.onnx (models/edits.py, one Python process).
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildFixture, findPython } from 'vitest-tier4-fixtures';
import { copyExport } from '../tier4/helpers.js';

const run = promisify(execFile);
export const MODELS_FILE = fileURLToPath(new URL('./models/vision.py', import.meta.url));
const EDITS_FILE = fileURLToPath(new URL('./models/edits.py', import.meta.url));

/** One export of a factory of models/vision.py (ONNX only, one sample). */
export interface ExportJob {
  factory: string;
  /** Store the first sample's activations (layers: 1). */
  layers?: boolean;
  /** Keep the file model source in metadata.json (default true); false: a copy without it. */
  source?: boolean;
}

/**
 * The export of every job: built once by vitest-tier4-fixtures' cache (keyed by models/vision.py's
 * content, the exporter source and the options), so a warm run exports nothing. Never modify a
 * returned directory unless it is a copy (`source: false` jobs are copies with model_source null).
 */
export async function exportTestModels(jobs: readonly ExportJob[]): Promise<string[]> {
  return Promise.all(
    jobs.map(async (j) => {
      const fixture = await buildFixture({ model: { file: MODELS_FILE, factory: j.factory }, formats: ['onnx'], samples: 1, layers: j.layers ? 1 : 0 });
      if (j.source !== false) return fixture.dir;
      const copy = await copyExport(fixture.dir);
      const metaPath = join(copy, 'metadata.json');
      const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Record<string, unknown>;
      await writeFile(metaPath, `${JSON.stringify({ ...meta, model_source: null }, null, 2)}\n`);
      return copy;
    }),
  );
}

/** A fault of models/edits.py applied to one node of a copy's model.onnx. */
export interface EditJob {
  edit: 'perturb' | 'nhwc' | 'strip_scopes' | 'wrap_in_if';
  node?: string;
}

/** Copies `exportDir` once per job and applies the job's edit to the copy (one Python process). */
export async function editedCopies(exportDir: string, jobs: readonly EditJob[]): Promise<string[]> {
  const dirs = await Promise.all(jobs.map(() => copyExport(exportDir)));
  const info = await findPython();
  await run(info.executable, [EDITS_FILE, JSON.stringify(jobs.map((j, i) => ({ ...j, file: join(dirs[i]!, 'model.onnx') })))], { maxBuffer: 16 << 20 });
  return dirs;
}
