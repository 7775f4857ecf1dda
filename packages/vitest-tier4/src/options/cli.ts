/**
 * Command-line text -> option values, by the rules of the one table (table.ts): `--samples 0` is
 * refused with the message `runTier4({ numSamples: 0 })` gets, naming the flag instead of the key.
 * Used by `tier4 validate` (cli/main.ts) and `tier4 layers` (cli/layers.ts).
 */
import { checkOption, fromText, numberOrText, optionError, unknownOptionError, type OptionRule } from 'vitest-tier4-fixtures';
import { QUANTIZATION_RULES, isQuantizationMetric } from '../quantization/thresholds.js';
import { checkOutputThresholds, checkThresholds, THRESHOLD_KEYS, type Tier4Thresholds } from './check.js';

/**
 * The value of `flag` (e.g. `--samples`) given as `text`, checked by `rule`.
 *
 * @throws TypeError `option "--samples" expected an integer >= 1, received 0`.
 */
export function flagValue<T>(flag: string, rule: OptionRule<T>, text: string): T {
  const value = fromText(rule, text);
  checkOption('', flag, rule, value);
  return value;
}

/** Like {@link flagValue}, undefined when the flag was not given. */
export function optionalFlag<T>(flag: string, rule: OptionRule<T>, text: string | undefined): T | undefined {
  return text === undefined ? undefined : flagValue(flag, rule, text);
}

/** `a=1,b>=2` -> items; `flag` names the option in messages. */
function items(flag: string, spec: string, example: string): Array<{ key: string; op: string; raw: string; text: string }> {
  const out = [];
  for (const text of spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const m = /^([^=<>\s]+)\s*(>=|<=|=)\s*(.+)$/.exec(text);
    if (!m) throw optionError('', flag, `name=value items such as ${example}`, text);
    out.push({ key: m[1]!, op: m[2]!, raw: m[3]!, text });
  }
  if (out.length === 0) throw optionError('', flag, `name=value items such as ${example}`, spec);
  return out;
}

/**
 * Parses `--threshold fp32=1e-4,quantized=1e-2,sqnr_db>=20` (any key may be left out; a metric
 * may be written with its bound, `>=` for a minimum, `<=` for a maximum) and checks it with the
 * `thresholds` rules, naming a key as `--threshold fp32`.
 *
 * @throws TypeError naming the flag and key, the expected and the received.
 */
export function parseThresholdsFlag(spec: string, flag = '--threshold'): Tier4Thresholds {
  const out: Record<string, unknown> = {};
  for (const { key, op, raw, text } of items(flag, spec, 'fp32=1e-4,quantized=1e-2,sqnr_db>=20')) {
    // an unknown name is named as such, also when written with a bound (sqnr>=20)
    if (!(THRESHOLD_KEYS as readonly string[]).includes(key)) throw unknownOptionError('', `${flag} ${key}`, THRESHOLD_KEYS);
    if (op !== '=') {
      const rule = isQuantizationMetric(key) ? QUANTIZATION_RULES[key] : null;
      const bound = rule === null ? null : rule.bound === 'min' ? '>=' : '<=';
      if (bound !== op) {
        throw optionError('', `${flag} ${key}`, rule === null ? `${key}=<value> (only quantization metrics take >= or <=)` : `${key}${bound}<value> (bounded ${rule.bound === 'min' ? 'from below' : 'from above'})`, text);
      }
    }
    out[key] = numberOrText(raw);
  }
  checkThresholds('', flag, out, ' ');
  return out as Tier4Thresholds;
}

/**
 * Parses `--output-threshold uncertainties=1e-3,positions=1e-4` and checks each value with the
 * `outputThresholds` rule.
 */
export function parseOutputThresholdsFlag(spec: string, flag = '--output-threshold'): Record<string, number> {
  const out: Record<string, unknown> = {};
  for (const { key, op, raw, text } of items(flag, spec, 'uncertainties=1e-3')) {
    if (op !== '=') throw optionError('', `${flag} ${key}`, `${key}=<value>`, text);
    out[key] = numberOrText(raw);
  }
  checkOutputThresholds('', flag, out, null, ' ');
  return out as Record<string, number>;
}
