#!/usr/bin/env node
// CSIRO's @aehrc/sdc-template-extract (inAppExtract) timed warm, for bench/run.
//
// Line protocol on stdin/stdout, so Python can interleave its own timings with these:
//   first line: {"questionnaire": Q, "cases": {"name": QR, ...}}      -> {"ready": true}
//   then:       {"case": "name", "n": 20}                              -> {"ms": [..20 timings..]}
// Each timing is one awaited inAppExtract call (performance.now(), milliseconds).
// The first line may also carry "questionnaires" and "comparisonSources" by case name (the SDC
// conformance cases, each with its own Questionnaire); then
//             {"case": "name", "result": true}                       -> {"ok": .., "bundle": ..}
// and a failed extraction is timed like a successful one (CSIRO refuses some cases).

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const toolsDir = fileURLToPath(new URL('../tests/js/package.json', import.meta.url));
// The package's ES build imports a directory that Node's ES loader refuses; CommonJS loads fine.
const { inAppExtract } = createRequire(toolsDir)('@aehrc/sdc-template-extract');

let questionnaire = null;
let cases = null;
let questionnaires = {};
let comparisonSources = {};

async function extractCase(name, response) {
  return inAppExtract(response, questionnaires[name] ?? questionnaire, comparisonSources[name] ?? null);
}

async function once(name, response) {
  try {
    const { extractSuccess } = await extractCase(name, response);
    if (!extractSuccess && !(name in questionnaires)) {
      throw new Error('CSIRO-extractie faalde');
    }
  } catch (error) {
    if (!(name in questionnaires)) throw error;
  }
}

async function result(name) {
  try {
    const { extractSuccess, extractResult } = await extractCase(name, structuredClone(cases[name]));
    return { ok: extractSuccess, bundle: extractSuccess ? extractResult.extractedBundle ?? null : null };
  } catch (error) {
    return { ok: false, bundle: null, error: String(error) };
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const message = JSON.parse(line);
  if (cases === null) {
    questionnaire = message.questionnaire ?? null;
    cases = message.cases;
    questionnaires = message.questionnaires ?? {};
    comparisonSources = message.comparisonSources ?? {};
    process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
    continue;
  }
  if (message.result) {
    process.stdout.write(`${JSON.stringify(await result(message.case))}\n`);
    continue;
  }
  const response = cases[message.case];
  const ms = [];
  for (let i = 0; i < message.n; i += 1) {
    const copy = structuredClone(response); // outside the timing: ours is given a parsed response too
    const started = performance.now();
    await once(message.case, copy);
    ms.push(performance.now() - started);
  }
  process.stdout.write(`${JSON.stringify({ ms })}\n`);
}
