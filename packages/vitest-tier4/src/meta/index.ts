export type {
  Tier4CosineRecord,
  Tier4CosineSummary,
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
  Tier4SqnrRecord,
  Tier4SqnrSummary,
  Tier4TaskMeta,
  Tier4TopKRecord,
  Tier4TopKSummary,
} from './types.js';
export type { TaskWithMeta } from './record.js';
export { readTier4Records, recordTier4 } from './record.js';
import './augment.js';
