export type {
  Tier4DtypeRecord,
  Tier4DtypeSummary,
  Tier4FiniteRecord,
  Tier4FiniteSummary,
  Tier4Labels,
  Tier4MatcherRecordBase,
  Tier4ParityRecord,
  Tier4Record,
  Tier4ReportRecord,
  Tier4ShapeRecord,
  Tier4ShapeSummary,
  Tier4TaskMeta,
} from './types.js';
export type { TaskWithMeta } from './record.js';
export { readTier4Records, recordTier4 } from './record.js';
import './augment.js';
