#!/usr/bin/env node
// CSIRO's @aehrc/sdc-template-extract (inAppExtract) timed warm, for bench/run.
//
// Line protocol on stdin/stdout, so Python can interleave its own timings with these:
//   first line: {"questionnaire": Q, "cases": {"name": QR, ...}}      -> {"ready": true}
//   then:       {"case": "name", "n": 20}                              -> {"ms": [..20 timings..]}
// Each timing is one awaited inAppExtract call (performance.now(), milliseconds).

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const toolsDir = fileURLToPath(new URL('../tests/js/package.json', import.meta.url));
// The package's ES build imports a directory that Node's ES loader refuses; CommonJS loads fine.
const { inAppExtract } = createRequire(toolsDir)('@aehrc/sdc-template-extract');

let questionnaire = null;
let cases = null;

async function once(response) {
  const { extractSuccess } = await inAppExtract(response, questionnaire, null);
  if (!extractSuccess) {
    throw new Error('CSIRO-extractie faalde');
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const message = JSON.parse(line);
  if (cases === null) {
    questionnaire = message.questionnaire;
    cases = message.cases;
    process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
    continue;
  }
  const response = cases[message.case];
  const ms = [];
  for (let i = 0; i < message.n; i += 1) {
    const copy = structuredClone(response); // outside the timing: ours is given a parsed response too
    const started = performance.now();
    await once(copy);
    ms.push(performance.now() - started);
  }
  process.stdout.write(`${JSON.stringify({ ms })}\n`);
}
