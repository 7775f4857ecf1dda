/**
 * Step 2 of runTier4, per format: find the format's artifact and start its entry in the dict.
 * A format whose export failed, was not requested or whose file is missing is skipped with a
 * warning; an artifact whose size or sha256 differs from metadata.json's record is validated with
 * a warning (the report says it may not be the file that was exported).
 */
import { relative } from 'node:path';
import { readRegularFile, type ExportDir, type ExportMetadata } from 'vitest-tier4-fixtures';
import { runnerArtifact } from '../../runtimes/registry.js';
import { summarizeErrorText } from '../../runtimes/target.js';
import { emptyFormatReport } from '../aggregate.js';
import { artifactMismatchMessage, checkArtifactDigest, type RecordedArtifact } from '../artifact-digest.js';
import { MAX_ONNX_BYTES, onnxBytesTrainingModeReason } from '../onnx-training-mode.js';
import type { Tier4FormatReport } from '../types.js';
import type { RunPlan } from './01-plan.js';

/** A format ready to be opened: its entry (already in `plan.formats`) and its artifact. */
export interface FormatArtifact {
  format: string;
  entry: Tier4FormatReport;
  /** The artifact's path, when the format has one file. */
  path: string | undefined;
  /** The digest mismatch warning, or null (it joins the format's reason). */
  digestWarning: string | null;
  /** An ONNX graph in training mode (tier4/onnx-training-mode.ts), or null (it leads the format's reason). */
  trainingWarning: string | null;
}

/**
 * Starts the entry of `format` and checks its artifact; returns null when the format is skipped
 * or cannot be validated (its entry says why).
 */
export async function checkFormatArtifact(plan: RunPlan, format: string): Promise<FormatArtifact | null> {
  const { ed, md, warnings, options } = plan;
  // the export format whose file this runner executes ('onnx' for an 'onnx-web' runner)
  const artifactFormat = runnerArtifact(format);
  const artifactInfo = md.artifacts?.[artifactFormat as keyof ExportMetadata['artifacts']];
  const path = artifactFormat === 'metadata' ? undefined : ed.paths[artifactFormat as keyof ExportDir['paths']];
  const artifact = path ? relative(ed.dir, path).split('\\').join('/') : (artifactInfo?.path ?? null);
  const entry = emptyFormatReport({ threshold: plan.threshold, rtol: plan.tolerance.rtol, preset: plan.preset, statistic: plan.statistic, artifact });
  plan.formats[format] = entry;

  const failedText = md.formats_failed?.[artifactFormat as keyof ExportMetadata['formats_failed']];
  const via = artifactFormat === format ? '' : `${artifactFormat} `;
  let skipReason: string | null = null;
  if (failedText !== undefined) skipReason = `${via}export failed: ${summarizeErrorText(String(failedText))}`;
  else if (!md.formats_requested.includes(artifactFormat as never) && !path) skipReason = `${via}not exported (not in formats_requested)`;
  else if (!path) {
    skipReason = md.formats_written.includes(artifactFormat as never)
      ? `listed in metadata.json but ${artifactInfo?.path ?? 'its artifact'} is missing on disk`
      : 'not written by the exporter';
  }
  if (skipReason) {
    entry.status = 'warn';
    entry.skipped = true;
    entry.reason = skipReason;
    warnings.push(`${format}: skipped, ${skipReason}`);
    return null;
  }
  if (plan.samples.length === 0) {
    entry.status = 'fail';
    entry.reason = 'the export has no reference samples';
    return null;
  }

  // the artifact is the one that was exported, or the report says it is not
  // an ONNX graph is read once: its bytes are hashed here and decoded for the training-mode check below
  // (a file that cannot be read whole is streamed through the digest and left to the runner)
  const onnxBytes = path && artifactFormat === 'onnx' ? await readRegularFile(path, MAX_ONNX_BYTES).catch(() => undefined) : undefined;
  let digestWarning: string | null = null;
  if (path) {
    try {
      entry.artifact_check = await checkArtifactDigest(path, artifactInfo as RecordedArtifact | undefined, options.signal, onnxBytes);
      digestWarning = artifactMismatchMessage(entry.artifact ?? path, entry.artifact_check);
      if (digestWarning) warnings.push(`${format}: ${digestWarning}`);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      // an unreadable file is the runner's error to report
    }
  }
  // an ONNX graph exported in training mode, read as data before it runs
  const trainingWarning = path && onnxBytes ? onnxBytesTrainingModeReason(onnxBytes, entry.artifact ?? path) : null;
  if (trainingWarning) warnings.push(`${format}: ${trainingWarning}`);
  return { format, entry, path, digestWarning, trainingWarning };
}
