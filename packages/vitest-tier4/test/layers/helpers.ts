/**
 * Helpers of the per-layer tests: export the test models (models/vision.py) with the Python
 * exporter, and put faults into copies of a model.onnx (models/edits.py), each batch in one
 * Python process.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findPython } from 'vitest-tier4-fixtures';
import { copyExport, python, tmpDir } from '../tier4/helpers.js';

const run = promisify(execFile);
export const MODELS_FILE = fileURLToPath(new URL('./models/vision.py', import.meta.url));
const EDITS_FILE = fileURLToPath(new URL('./models/edits.py', import.meta.url));
const PYTHON_DIR = fileURLToPath(new URL('../../../../python', import.meta.url));

/** One export of a factory of models/vision.py (ONNX only). */
export interface ExportJob {
  factory: string;
  /** Store the first sample's activations (layers=True). */
  layers?: boolean;
  /** Record the file model source (default true). */
  source?: boolean;
}

/** Exports every job into its own fresh directory (one Python process); returns the directories. */
export async function exportTestModels(jobs: readonly ExportJob[]): Promise<string[]> {
  const root = await tmpDir('layers-');
  const specs = jobs.map((j, i) => ({ ...j, out: join(root, `${i}-${j.factory}`) }));
  await python(
    `
import sys, json, importlib.util, warnings
warnings.filterwarnings("ignore")
sys.path.insert(0, sys.argv[1])
spec = importlib.util.spec_from_file_location("vision_models", sys.argv[2])
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
from tier4_export import export_model
for job in json.loads(sys.argv[3]):
    model, task = getattr(mod, job["factory"])()
    source = None if job.get("source") is False else {"kind": "file", "file": sys.argv[2], "factory": job["factory"]}
    export_model(model, task, job["out"], formats=["onnx"], num_samples=1, layers=bool(job.get("layers")), model_source=source)
`,
    [PYTHON_DIR, MODELS_FILE, JSON.stringify(specs)],
  );
  return specs.map((s) => s.out);
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
