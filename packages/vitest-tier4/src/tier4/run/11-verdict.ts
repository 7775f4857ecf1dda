/**
 * Step 11 of runTier4: the run's verdict and the dict. No validated format fails the run; the
 * worst format status is the run's; warnings without failures make it `warn`. The `model` block
 * copies what metadata.json says about the export.
 */
import type { ExportDir, ExportMetadata } from 'vitest-tier4-fixtures';
import { summarizeErrorText } from '../../runtimes/target.js';
import { worseStatus } from '../aggregate.js';
import { applyStaleReferences } from '../diagnose-stale.js';
import type { Tier4ModelInfo, Tier4Report, Tier4Status } from '../types.js';
import type { RunPlan } from './01-plan.js';

/** The Tier 4 dict of the run. */
export function verdict(plan: RunPlan): Tier4Report {
  const { formats, warnings, requested } = plan;
  // two formats that agree with each other and not with the references: the references are stale
  applyStaleReferences(plan.cross, formats, warnings);
  const validated = Object.values(formats).filter((f) => !f.skipped);
  let status: Tier4Status = 'ok';
  if (validated.length === 0) {
    status = 'fail';
    const why =
      requested.length === 0
        ? 'no format to validate (metadata.json requests none besides the pytorch state dict)'
        : `no format could be validated (${requested.map((f) => `${f}: ${formats[f]?.reason ?? 'skipped'}`).join('; ')})`;
    warnings.unshift(why);
  }
  for (const f of Object.values(formats)) status = worseStatus(status, f.status);
  if (status === 'ok' && warnings.length > 0) status = 'warn';
  return { status, formats, parity_report: plan.parityReport, warnings, model: modelInfo(plan.ed) };
}

/** The `model` block: metadata.json's description of the export (failed formats summarised to one line). */
export function modelInfo(ed: ExportDir): Tier4ModelInfo {
  const md: ExportMetadata = ed.metadata;
  const failed: Record<string, string> = {};
  for (const [f, text] of Object.entries(md.formats_failed ?? {})) failed[f] = summarizeErrorText(String(text));
  return {
    name: md.task_name,
    task_type: md.task_type,
    modality: md.modality,
    export_dir: ed.dir,
    inputs: md.inputs.map((s) => ({ name: s.name, dtype: s.dtype, shape: [...s.shape] })),
    outputs: md.outputs.map((s) => ({ name: s.name, dtype: s.dtype, shape: [...s.shape] })),
    quantization: md.quantization ?? null,
    quantization_info: (md.quantization_info as Record<string, unknown> | null) ?? null,
    formats_requested: [...md.formats_requested],
    formats_written: [...md.formats_written],
    formats_failed: failed,
    opset: md.opset ?? null,
    torch_version: md.torch_version ?? null,
    onnx_version: md.onnx_version ?? null,
    exported_at: md.exported_at ?? null,
    model_source: (md.model_source as unknown as Record<string, unknown>) ?? null,
    num_samples: ed.sampleCount,
    // what the exporter changed on its copy, or found in it (a model quantized before export)
    export_notes: [...(md.export_notes ?? [])],
  };
}
