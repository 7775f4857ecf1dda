import { describe, expect, test } from 'vitest';
import { summarizeErrorText } from '../../src/runtimes/index.js';

describe('summarizeErrorText (one-line reasons in the Tier 4 dict and the CLI)', () => {
  test('the exception line of a Python traceback, else the first non-empty line', () => {
    expect(summarizeErrorText('Traceback (most recent call last):\n  File "x.py", line 1\n    f()\nRuntimeError: boom\n')).toBe('RuntimeError: boom');
    expect(summarizeErrorText('\n  first line  \nsecond line')).toBe('first line');
    expect(summarizeErrorText(' \n ')).toBe('(no error text)');
  });

  test("torch's 'Please feel free to request support' tail is dropped", () => {
    expect(
      summarizeErrorText(
        "UnsupportedOperatorError: Exporting the operator 'quantized::linear_dynamic' to ONNX opset version 14 is not supported. " +
          'Please feel free to request support or submit a pull request on PyTorch GitHub: https://github.com/pytorch/pytorch/issues',
      ),
    ).toBe("UnsupportedOperatorError: Exporting the operator 'quantized::linear_dynamic' to ONNX opset version 14 is not supported.");
    expect(summarizeErrorText('Please feel free to ask')).toBe('Please feel free to ask');
  });
});
