#!/usr/bin/env node
// Template-based $extract with CSIRO's @aehrc/sdc-template-extract, an implementation
// independent of fhir-werk's own, for cross-checking.
//
//   node extract-csiro.mjs < input.json                 input: {questionnaire, response}
//   node extract-csiro.mjs questionnaire.json response.json
//
// input may also carry comparisonSource (an earlier response: modifications only).
// stdin may also hold an array of such objects (one Node start for many extractions).
// Prints {ok, bundle, issues} (or an array of them) as JSON on stdout: ok is false when the
// extractor failed or threw; issues is its OperationOutcome or null. Exit code 2 only when this
// tool itself fails (unreadable input).

import { createRequire } from 'node:module';

import { messageOf, printJson, readJsonFile, readStdinJson, run } from './io.mjs';

// The package's ES build imports a directory (fhirpath/fhir-context/r4), which Node's ES loader
// refuses; its CommonJS build loads fine.
const { inAppExtract } = createRequire(import.meta.url)('@aehrc/sdc-template-extract');

function exceptionOutcome(message) {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'fatal', code: 'exception', diagnostics: message }],
  };
}

async function extractOne({ questionnaire, response, comparisonSource }) {
  if (!questionnaire || !response) {
    throw new Error('invoer mist "questionnaire" of "response"');
  }
  try {
    const { extractSuccess, extractResult } = await inAppExtract(
      response,
      questionnaire,
      comparisonSource ?? null
    );
    if (!extractSuccess) {
      return { ok: false, bundle: null, issues: extractResult };
    }
    return { ok: true, bundle: extractResult.extractedBundle ?? null, issues: extractResult.issues ?? null };
  } catch (error) {
    return { ok: false, bundle: null, issues: exceptionOutcome(messageOf(error)) };
  }
}

async function main() {
  const args = process.argv.slice(2);
  let input;
  if (args.length === 2) {
    input = { questionnaire: await readJsonFile(args[0]), response: await readJsonFile(args[1]) };
  } else if (args.length === 0) {
    input = await readStdinJson();
  } else {
    throw new Error('gebruik: extract-csiro.mjs [questionnaire.json response.json] (anders JSON op stdin)');
  }
  if (Array.isArray(input)) {
    const results = [];
    for (const one of input) {
      results.push(await extractOne(one));
    }
    printJson(results);
  } else {
    printJson(await extractOne(input));
  }
}

run(main);
