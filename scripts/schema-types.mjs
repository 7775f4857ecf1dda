// TypeScript types generated from the JSON Schemas, the one definition of each contract.
//
//   node scripts/schema-types.mjs          rewrite the generated files
//   node scripts/schema-types.mjs --check  fail (exit 1, naming the file) when one is not current
//
// The schemas are the source (shipped with the packages, read by ajv in TypeScript and by jsonschema in
// the Python tests); json-schema-to-typescript turns each into named interfaces whose TSDoc is the
// schema's `description`. A definition that belongs to another room is generated there and imported
// (`external`): the parity core owns ParityResult, the report imports it.
//
// It also writes the validators that run a schema at run time (VALIDATORS): ajv compiles the schema
// here, once, into standalone code, so a process that reads a metadata.json neither loads ajv nor
// compiles the schema (~0.2 s of CPU in each of Vitest's main and test processes, measured here).
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.mjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * @typedef {object} Target
 * @property {string} schema      schema file, relative to the repository root
 * @property {string} out         generated .ts file, relative to the repository root
 * @property {string} [pick]      generate only this definition (and what it references)
 * @property {Record<string, { type: string, from: string }>} [external]
 *   `$ref` target -> the TypeScript type that stands for it and the module it is imported from
 */

/** @type {Target[]} */
export const TARGETS = [
  {
    schema: 'packages/fixtures/schema/metadata.schema.json',
    out: 'packages/fixtures/src/metadata.generated.ts',
    // the dtype enum is the export contract's part of the one dtype table (tensor.ts; a test checks they agree)
    external: { '#/definitions/dtype': { type: 'DType', from: './tensor.js' } },
  },
  {
    schema: 'packages/vitest-tier4/schema/tier4-report.schema.json',
    pick: 'parity',
    out: 'packages/vitest-tier4/src/parity/result.generated.ts',
    // every dtype of the one table (parity/dtype.ts derives it; a test checks the enum agrees)
    external: { '#/definitions/dtype': { type: 'DType', from: './dtype.js' } },
  },
  {
    // the per-layer rows and verdict: judged by the pure parity core (parity/layers.ts)
    schema: 'packages/vitest-tier4/schema/tier4-report.schema.json',
    pick: 'layers_report',
    out: 'packages/vitest-tier4/src/parity/layers.generated.ts',
    external: {
      '#/definitions/tolerance': { type: 'ResolvedTolerance', from: './result.generated.js' },
    },
  },
  {
    schema: 'packages/vitest-tier4/schema/tier4-report.schema.json',
    out: 'packages/vitest-tier4/src/schema/tier4-report.generated.ts',
    external: {
      '#/definitions/layers_report': { type: 'LayersReport', from: '../parity/layers.generated.js' },
      '#/definitions/parity': { type: 'ParityResult', from: '../parity/result.generated.js' },
      '#/definitions/status': { type: 'ParityStatus', from: '../parity/result.generated.js' },
    },
  },
  {
    schema: 'packages/vitest-tier4/schema/tier4-run-report.schema.json',
    out: 'packages/vitest-tier4/src/schema/tier4-run-report.generated.ts',
    external: {
      'tier4-report.schema.json': { type: 'Tier4Report', from: './tier4-report.generated.js' },
    },
  },
];

/**
 * @typedef {object} ValidatorTarget
 * @property {string} schema   schema file, relative to the repository root
 * @property {string} out      generated .ts module (its default export is the validate function)
 * @property {string} package  package whose ajv compiles it (the version it depends on)
 * @property {Record<string, unknown>} options  ajv options
 */

/** @type {ValidatorTarget[]} */
export const VALIDATORS = [
  {
    schema: 'packages/fixtures/schema/metadata.schema.json',
    out: 'packages/fixtures/src/metadata-validator.generated.ts',
    package: 'packages/fixtures',
    // `verbose`: the errors carry the schema node and the value (metadata-schema.ts words its message
    // from them); `discriminator` lets ajv pick the model_source branch by `kind` (and say when `kind`
    // is wrong) instead of reporting every branch of the oneOf (its tag is required by each branch,
    // which strict mode's `strictRequired` cannot see from the parent).
    options: { allErrors: false, verbose: true, discriminator: true, strict: true, strictRequired: false, allowUnionTypes: true },
  },
];

/** The TypeScript text of one validator: ajv's standalone ES module code for the schema. */
export function generateValidator(target) {
  const require = createRequire(path.join(root, target.package, 'package.json'));
  const { Ajv } = require('ajv');
  const standaloneCode = require('ajv/dist/standalone').default;
  const schema = JSON.parse(readFileSync(path.join(root, target.schema), 'utf8'));
  const ajv = new Ajv({ ...target.options, code: { source: true, esm: true } });
  const code = standaloneCode(ajv, ajv.compile(schema));
  if (code.includes('ajv/dist/runtime')) throw new Error(`schema-types: the validator of ${target.schema} needs ajv's runtime modules; bundle them or drop the keyword`);
  return [
    `// Generated from ${target.schema} by scripts/schema-types.mjs (ajv standalone code). Do not edit:`,
    '// change the schema, then run `pnpm run schema:types` (`pnpm run check` fails while this file is stale).',
    '// @ts-nocheck',
    code.replace(/^"use strict";/, ''),
    '',
  ].join('\n');
}

/** Replaces every `{ $ref: ref }` of an external definition by a `tsType` naming the imported type. */
function substitute(node, external) {
  if (Array.isArray(node)) return node.map((n) => substitute(n, external));
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string' && external[node.$ref]) {
    const { $ref, ...rest } = node;
    return { ...rest, tsType: external[$ref].type };
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, substitute(v, external)]));
}

/** The TypeScript text of one target. */
export async function generate(target) {
  const schemaPath = path.join(root, target.schema);
  let schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  const external = target.external ?? {};
  if (target.pick) {
    const picked = schema.definitions[target.pick];
    schema = { ...picked, $schema: schema.$schema, definitions: schema.definitions };
  } else {
    // Definitions owned elsewhere are not declared again here.
    for (const ref of Object.keys(external)) {
      const m = /^#\/definitions\/(.+)$/.exec(ref);
      if (m) delete schema.definitions[m[1]];
    }
  }
  schema = substitute(schema, external);
  delete schema.$id;
  const imports = new Map();
  for (const { type, from } of Object.values(external)) {
    imports.set(from, [...(imports.get(from) ?? []), type]);
  }
  const banner = [
    `// Generated from ${target.schema}${target.pick ? ` (definitions.${target.pick})` : ''} by`,
    '// scripts/schema-types.mjs (json-schema-to-typescript). Do not edit: change the schema, then run',
    '// `pnpm run schema:types` (`pnpm run check` fails while this file is stale).',
    ...[...imports].map(([from, types]) => `import type { ${[...new Set(types)].sort().join(', ')} } from '${from}';`),
  ].join('\n');
  return compile(schema, schema.title ?? 'Root', {
    bannerComment: banner,
    cwd: path.dirname(schemaPath),
    declareExternallyReferenced: true,
    additionalProperties: true,
    ignoreMinAndMaxItems: true,
    unreachableDefinitions: false,
    strictIndexSignatures: false,
    style: { singleQuote: true, bracketSpacing: true, printWidth: 120, trailingComma: 'all' },
  });
}

async function main() {
  const check = process.argv.includes('--check');
  const stale = [];
  const outputs = [
    ...TARGETS.map((target) => ({ out: target.out, text: () => generate(target) })),
    ...VALIDATORS.map((target) => ({ out: target.out, text: async () => generateValidator(target) })),
  ];
  for (const target of outputs) {
    const text = await target.text();
    const outPath = path.join(root, target.out);
    let current = null;
    try {
      current = readFileSync(outPath, 'utf8');
    } catch {
      current = null;
    }
    if (current === text) continue;
    if (check) stale.push(target.out);
    else {
      writeFileAtomic(outPath, text);
      console.log(`wrote ${target.out}`);
    }
  }
  if (stale.length > 0) {
    console.error(
      `schema-types: ${stale.join(', ')} ${stale.length === 1 ? 'is' : 'are'} not what the schema generates. ` +
        'Run `pnpm run schema:types` and commit the result (never edit a generated file by hand).',
    );
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
