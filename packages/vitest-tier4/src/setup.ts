/**
 * Side-effect entry `vitest-tier4/setup`: registers the matchers with Vitest's `expect` and brings their types.
 * Add it to `test.setupFiles` or import it at the top of a test file.
 */
import { expect } from 'vitest';
import { tier4Matchers } from './matchers/index.js';
import './matchers/vitest-augment.js';
import './meta/augment.js';

expect.extend(tier4Matchers);
