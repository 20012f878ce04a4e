#!/usr/bin/env node
// SDC $populate with CSIRO's @aehrc/sdc-populate, an implementation independent of fhir-werk's
// own, for cross-checking.
//
//   node populate-csiro.mjs < input.json     input: {questionnaire, patient, searches}
//
// patient is the launch context Patient; searches maps each x-fhir-query, as the Questionnaire's
// variables make it once {{...}} is filled in, to the searchset Bundle that answers it. The
// fetchResourceCallback answers from there only (no server is asked), so both tools see identical
// search results. stdin may also hold an array of such objects (one Node start for many).
// Prints {ok, response, issues, asked, unanswered} (or an array of them) as JSON on stdout: ok is
// false when the populator failed or threw; issues is its OperationOutcome or null; asked lists
// every query it fetched, unanswered those not in searches (answered with an empty searchset).
// Exit code 2 only when this tool itself fails (unreadable input).

import { createRequire } from 'node:module';

import { messageOf, printJson, readStdinJson, run } from './io.mjs';

// Loaded as CommonJS, like sdc-template-extract: one module loader for all CSIRO packages here.
const { populateQuestionnaire } = createRequire(import.meta.url)('@aehrc/sdc-populate');

// Never fetched: the callback answers every query itself.
const NO_SERVER = { sourceServerUrl: 'http://populate.invalid/fhir' };

function exceptionOutcome(message) {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'fatal', code: 'exception', diagnostics: message }],
  };
}

async function populateOne({ questionnaire, patient, searches }) {
  if (!questionnaire || !patient || !searches) {
    throw new Error('invoer mist "questionnaire", "patient" of "searches"');
  }
  const asked = [];
  const unanswered = [];
  const fetchResourceCallback = async (query) => {
    asked.push(query);
    if (Object.hasOwn(searches, query)) {
      return structuredClone(searches[query]);
    }
    unanswered.push(query);
    return { resourceType: 'Bundle', type: 'searchset', entry: [] };
  };
  try {
    const { populateSuccess, populateResult } = await populateQuestionnaire({
      questionnaire,
      patient,
      fetchResourceCallback,
      fetchResourceRequestConfig: NO_SERVER,
    });
    return {
      ok: Boolean(populateSuccess && populateResult),
      response: populateResult?.populatedResponse ?? null,
      issues: populateResult?.issues ?? null,
      asked,
      unanswered,
    };
  } catch (error) {
    return { ok: false, response: null, issues: exceptionOutcome(messageOf(error)), asked, unanswered };
  }
}

async function main() {
  if (process.argv.length > 2) {
    throw new Error('gebruik: populate-csiro.mjs < input.json (JSON op stdin)');
  }
  const input = await readStdinJson();
  if (Array.isArray(input)) {
    const results = [];
    for (const one of input) {
      results.push(await populateOne(one));
    }
    printJson(results);
  } else {
    printJson(await populateOne(input));
  }
  // populateQuestionnaire races the work against a 30 s timer that it never clears
  // (addTimeoutToPromise, 4.7.1): without an explicit exit Node waits those 30 s for nothing.
  await new Promise((resolve) => process.stdout.write('', resolve));
  process.exit(0);
}

run(main);
