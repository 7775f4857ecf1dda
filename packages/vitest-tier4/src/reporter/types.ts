// The reporter's file is described by schema/tier4-run-report.schema.json; its types are generated
// from it (src/schema/tier4-run-report.generated.ts). Change the schema, then `pnpm run schema:types`.
export type {
  Tier4CheckEntry,
  Tier4RunReport,
  Tier4RunStatus,
  Tier4TestCounts,
} from '../schema/tier4-run-report.generated.js';
