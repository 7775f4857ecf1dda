// The API reference of the two npm packages, generated from the TSDoc of their public entry points
// (each package's typedoc.json lists them). `pnpm run docs:api` writes the HTML to docs/api/ (not
// checked in); `pnpm run check` runs it with --emit none: a warning (an export without TSDoc, a type
// a public signature uses but no entry point exports, a broken {@link}) fails `npm test`.
import { OptionDefaults } from 'typedoc';

/** Every check TypeDoc has, in each package and on the merged project. */
const VALIDATION = { notExported: true, invalidLink: true, invalidPath: true, rewrittenLink: true, notDocumented: true, unusedMergeModuleWith: true };

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'vitest-tier4',
  entryPointStrategy: 'packages',
  entryPoints: ['packages/vitest-tier4', 'packages/fixtures'],
  packageOptions: {
    tsconfig: 'tsconfig.json',
    excludePrivate: true,
    excludeInternal: true,
    // tsc already type-checks every package (pnpm run typecheck): TypeDoc only reads the declarations
    skipErrorChecking: true,
    // JSON Schema keywords json-schema-to-typescript copies into the generated types' comments
    blockTags: [...OptionDefaults.blockTags, '@minItems', '@maxItems'],
    validation: VALIDATION,
    // no "defined in" source links: they need a git remote TypeDoc can parse, which a fresh copy of
    // the repository (no remote, or a local path) lacks, and then its warning failed the check
    disableSources: true,
    // every export has TSDoc (members of the generated JSON types are documented in the schemas' docs)
    requiredToBeDocumented: ['Enum', 'Variable', 'Function', 'Class', 'Interface', 'TypeAlias', 'Method', 'Accessor'],
  },
  out: 'docs/api',
  readme: 'none',
  treatWarningsAsErrors: true,
  validation: VALIDATION,
};
