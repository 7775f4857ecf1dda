/**
 * The quantization step of runTier4: for a format of a quantized export, once its samples were checked,
 * measure memory (both probes), compare per layer when the format allows it, and build the section.
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import type { ExportDir } from 'vitest-tier4-fixtures';
import type { WorkerChannel } from '../runtimes/worker-runner.js';
import { measureResidentMemories, type MemoryMeasurement } from './memory.js';
import { buildQuantizationSection, exporterRecord, type LayerSqnrResult, type MemoryResult, QuantizationMetricsCollector, isLogitsTask } from './section.js';
import { DEFAULT_QUANTIZATION_THRESHOLDS, type QuantizationThresholds } from './thresholds.js';
import type { Tier4QuantizationSection } from './types.js';

/** Formats that get a quantization section. */
export const QUANTIZED_FORMATS: readonly string[] = ['onnx', 'torchscript'];

/**
 * Quantization options of runTier4 (`quantization`) and the CLI. The thresholds on the quantization metrics
 * are not here: they are keys of the one `thresholds` object (`{ quantized: 1e-2, sqnr_db: 20 }`).
 */
export interface Tier4QuantizationOptions {
  /** Measure resident memory of the quantized artifact and its fp32 baseline (default true). */
  memory?: boolean;
  /** Per-layer SQNR of int8 ONNX against its fp32 baseline (default true). */
  perLayer?: boolean;
  /** Include the layer names and the per-layer SQNR list (default false). */
  verbose?: boolean;
  /** Timeout of each memory probe / per-layer run in ms. */
  timeoutMs?: number;
}

/** The collector for a format of this export, or null when the export is not quantized or the format gets no section. */
export function quantizationCollector(ed: ExportDir, format: string): QuantizationMetricsCollector | null {
  if (!ed.metadata.quantization || !QUANTIZED_FORMATS.includes(format)) return null;
  return new QuantizationMetricsCollector(isLogitsTask(ed.metadata.task_type));
}

/** Everything {@link quantizationSection} needs. */
export interface QuantizationStepInput {
  ed: ExportDir;
  format: string;
  collector: QuantizationMetricsCollector;
  options: Tier4QuantizationOptions;
  /** The quantization metric thresholds from runTier4's `thresholds` (merged over the defaults here). */
  thresholds: QuantizationThresholds;
  python?: string;
  /**
   * The validation's Python worker (a pool lease or its private worker), asked for TorchScript only: its
   * zygote measures the TorchScript memory, or its interpreter runs the fresh probes.
   */
  worker?: () => Promise<WorkerChannel>;
  signal?: AbortSignal;
  log: (line: string) => void;
  /** Per-layer comparison, when the format allows it (int8 ONNX); null otherwise. */
  perLayer?: () => Promise<LayerSqnrResult | null>;
  /**
   * Why `perLayer` cannot run without code the user did not allow (no stored activations and an untrusted
   * file model source): the section says so and warns, instead of starting a comparison that would fail.
   */
  perLayerBlocked?: string | null;
}

/**
 * The quantized artifact's and its fp32 baseline's probes, side by side (measureResidentMemories: each
 * process measures only its own resident memory, so neither disturbs the other's figure). TorchScript on a
 * worker with a zygote is one request to it and starts no Python; otherwise (or when that zygote is no longer
 * running) each probe is a fresh process. The first failure stops the other probe and is the one reported
 * (a timeout only when neither failed); aborting `signal` stops waiting for both (measureResidentMemories).
 */
async function probeBoth(format: string, quantized: string, fp32: string, input: QuantizationStepInput): Promise<[MemoryMeasurement, MemoryMeasurement]> {
  const worker = format === 'torchscript' && input.worker ? await input.worker().catch(() => undefined) : undefined;
  const [q, f] = await measureResidentMemories(format, [quantized, fp32], {
    ...(input.python ? { python: input.python } : {}),
    ...(worker ? { worker } : {}),
    ...(input.options.timeoutMs ? { timeoutMs: input.options.timeoutMs } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
  });
  return [q!, f!];
}

/** Measures memory, compares layers and builds the section of one format. */
export async function quantizationSection(input: QuantizationStepInput): Promise<Tier4QuantizationSection> {
  const { ed, format, options } = input;
  const record = exporterRecord(ed.metadata.quantization_info as Record<string, unknown> | null, format);
  const thresholds = { ...DEFAULT_QUANTIZATION_THRESHOLDS, ...input.thresholds };
  const memory: MemoryResult = { quantized: null, fp32: null, note: null };
  const warnings: string[] = [];
  const artifact = ed.paths[format as keyof ExportDir['paths']];
  if (options.memory === false) {
    memory.note = 'not measured (quantization.memory: false)';
  } else if (!artifact) {
    memory.note = 'not measured: the artifact is missing';
  } else if (!record?.fp32_artifact?.path) {
    memory.note = 'not measured: metadata.json names no fp32 baseline for this format';
  } else {
    try {
      input.log(`${format}: measuring resident memory of ${artifact} and its fp32 baseline`);
      [memory.quantized, memory.fp32] = await probeBoth(format, artifact, join(ed.dir, record.fp32_artifact.path), input);
    } catch (err) {
      input.signal?.throwIfAborted();
      memory.note = `not measured: ${err instanceof Error ? err.message : String(err)}`;
      warnings.push(`resident memory ${memory.note}`); // runTier4 prefixes '<format>: quantization: '
    }
  }
  let layers: LayerSqnrResult | null = null;
  if (options.perLayer === false) layers = { layers: [], note: 'not compared (quantization.perLayer: false)' };
  else if (input.perLayer && input.perLayerBlocked) {
    const note = `worst layer not measured: ${input.perLayerBlocked}`;
    layers = { layers: [], note };
    warnings.push(note);
  } else if (input.perLayer) {
    try {
      layers = await input.perLayer();
    } catch (err) {
      input.signal?.throwIfAborted();
      const note = `per-layer comparison failed: ${err instanceof Error ? err.message : String(err)}`;
      layers = { layers: [], note };
      warnings.push(note);
    }
  } else {
    layers = {
      layers: [],
      note:
        format === 'torchscript'
          ? 'per-layer SQNR is compared for int8 ONNX only (a TorchScript graph has no named intermediate tensors to mark as outputs)'
          : 'per-layer SQNR is compared for the dynamic int8 ONNX only (a static QDQ graph is not mapped layer by layer here)',
    };
  }
  const method = ed.metadata.quantization;
  if (method === null) throw new TypeError(`quantization section: ${ed.dir} is not a quantized export (metadata.json quantization is null)`);
  const section = buildQuantizationSection({
    method,
    record,
    metrics: input.collector.metrics(),
    memory,
    layers,
    thresholds,
    verbose: options.verbose === true,
  });
  section.warnings.push(...warnings);
  return section;
}
