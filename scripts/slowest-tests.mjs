#!/usr/bin/env node
// `pnpm run test:slowest [N=10]`: the N slowest tests of the last `npm test` (or `pnpm run test:ts`
// / `test:py`), from the Vitest JSON reports scripts/check.mjs has every package's run write and pytest's JUnit XML
// (scripts/python-check.mjs), under node_modules/.cache/vitest-tier4/test-times/. Durations are as
// the runners measured them (a test's own time, without its file's collection); each report's
// age is printed so a stale one is noticed.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dir = join(root, 'node_modules', '.cache', 'vitest-tier4', 'test-times');
const count = Math.max(1, Number(process.argv[2] ?? 10));

function unescapeXml(s) {
  return s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const tests = [];
const sources = [];
const files = existsSync(dir) ? readdirSync(dir).sort() : [];
for (const file of files) {
  const path = join(dir, file);
  const age = `${Math.round((Date.now() - statSync(path).mtimeMs) / 60_000)} min old`;
  if (file.endsWith('.json')) {
    const report = JSON.parse(readFileSync(path, 'utf8'));
    let n = 0;
    for (const suite of report.testResults ?? []) {
      for (const t of suite.assertionResults ?? []) {
        if (typeof t.duration !== 'number') continue;
        tests.push({ ms: t.duration, where: relative(root, suite.name), name: t.fullName, status: t.status, runner: 'vitest' });
        n++;
      }
    }
    sources.push(`${file} (${n} tests, ${age})`);
  } else if (file.endsWith('.xml')) {
    const xml = readFileSync(path, 'utf8');
    let n = 0;
    for (const m of xml.matchAll(/<testcase\s+([^>]*?)\/?>/g)) {
      const attr = (k) => unescapeXml(new RegExp(`(?:^|\\s)${k}="([^"]*)"`).exec(m[1])?.[1] ?? '');
      tests.push({ ms: Number(attr('time')) * 1000, where: attr('classname'), name: attr('name'), status: 'ran', runner: 'pytest' });
      n++;
    }
    sources.push(`${file} (${n} tests, ${age})`);
  }
}
if (tests.length === 0) {
  console.error(`No test timings under ${relative(root, dir)}: run \`npm test\` (or \`pnpm run test:ts\` / \`pnpm run test:py\`) first.`);
  process.exit(1);
}
tests.sort((a, b) => b.ms - a.ms);
const total = tests.reduce((s, t) => s + t.ms, 0);
console.log(`Slowest ${Math.min(count, tests.length)} of ${tests.length} tests (sum of all test durations ${(total / 1000).toFixed(1)} s), from ${sources.join(', ')}:\n`);
for (const t of tests.slice(0, count)) {
  console.log(`${(t.ms / 1000).toFixed(2).padStart(8)} s  ${t.runner.padEnd(6)}  ${t.where} > ${t.name}${t.status === 'passed' || t.status === 'ran' ? '' : ` [${t.status}]`}`);
}
