#!/usr/bin/env node
// Captures QuestionnaireResponses exactly as a real SDC renderer returns them, for test fixtures:
// loads a Questionnaire and one of our responses as the initial response into the renderer in
// headless Chromium, optionally clicks answers in the page, and writes the renderer's own
// response unchanged (no clean-up: whatever it emits is the point).
//
//   node capture-responses.mjs smartforms|lforms QUESTIONNAIRE OUT_DIR RESPONSE[@CLICKS]...
//
//   RESPONSE: a QuestionnaireResponse file, e.g. QuestionnaireResponse-mohamed-ziek-met-contract.json;
//     written to OUT_DIR/<renderer>-<version>-<persona>.json (persona: the file name without
//     "QuestionnaireResponse-" and ".json").
//   @CLICKS: comma-separated linkId=value real mouse clicks on the choice control whose <input>
//     has that value (a code, or true/false) inside the item, in order, after loading; the
//     output name then gets "-clicked". Smart Forms only.
//   Smart Forms: window.smartForms.render() (buildForm with the initial response), then
//     getResponse() from the renderer's store.
//   LHC-Forms: LForms.Util.addFormToPage(questionnaire, el, {questionnaireResponse}), the
//     documented way to load a response, then LForms.Util.getFormFHIRData('QuestionnaireResponse',
//     'R4', el) without subject or extraction.
// Prints one line per file on stderr; exit code 1 when a renderer reported errors, 2 when the
// tool itself fails.

import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { inFreshPage, TIMEOUT_MS, withBrowser } from './browser.mjs';
import { readJsonFile, run } from './io.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const RENDERERS = {
  smartforms: {
    packageName: '@aehrc/smart-forms-renderer',
    mounts: {
      '/': join(HERE, 'smartforms', 'dist', 'index.html'),
      '/assets/': join(HERE, 'smartforms', 'dist', 'assets'),
    },
    ready: () => window.smartForms,
    load: ({ questionnaire, response }) => window.smartForms.render(questionnaire, response),
    read: () => window.smartForms.response(),
  },
  lforms: {
    packageName: 'lforms',
    mounts: {
      '/': join(HERE, 'lforms-page.html'),
      '/lforms/': join(HERE, 'node_modules', 'lforms', 'dist', 'lforms'),
    },
    ready: () => window.LForms?.Util && window.LForms?.FHIR?.R4,
    load: ({ questionnaire, response }) =>
      LForms.Util.addFormToPage(questionnaire, document.getElementById('form'), {
        fhirVersion: 'R4',
        questionnaireResponse: response,
      }),
    read: () => LForms.Util.getFormFHIRData('QuestionnaireResponse', 'R4', document.getElementById('form')),
  },
};

/** Waits until the form's HTML stops changing over a few frames (bounded). */
async function settle() {
  const el = document.getElementById('form');
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 20)));
  let last = -1;
  for (let stable = 0, i = 0; stable < 3 && i < 200; i++) {
    await frame();
    const now = el.innerHTML.length;
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
}

/** The display of the answerOption of item `linkId` whose code is `value` (else `value`). */
function optionLabel(items, linkId, value) {
  const walk = (list) => (list ?? []).flatMap((item) => [item, ...walk(item.item)]);
  const option = walk(items)
    .find((item) => item.linkId === linkId)
    ?.answerOption?.find((o) => o.valueCoding?.code === value);
  return option?.valueCoding?.display ?? value;
}

async function capture(context, origin, renderer, questionnaire, response, clicks) {
  return inFreshPage(context, origin, { response: null }, async (page) => {
    await page.waitForFunction(renderer.ready, null, { timeout: TIMEOUT_MS });
    const errors = [];
    try {
      await page.evaluate(renderer.load, { questionnaire, response });
    } catch (e) {
      errors.push({ source: 'load', message: e.message });
    }
    await page.evaluate(settle);
    for (const { linkId, value } of clicks) {
      // A check box or radio button has an <input value=code>; a drop-down (MUI Autocomplete) is
      // a combobox whose options are named by their display.
      const box = page.locator(`[data-linkid="${linkId}"]`).first();
      const choice = box.locator(`input[value="${value}"]`);
      if (await choice.count()) {
        await choice.first().click({ timeout: TIMEOUT_MS });
      } else {
        await box.getByRole('combobox').click({ timeout: TIMEOUT_MS });
        const name = optionLabel(questionnaire.item, linkId, value);
        await page.getByRole('option', { name, exact: true }).click({ timeout: TIMEOUT_MS });
      }
      await page.evaluate(settle);
    }
    return { errors, response: await page.evaluate(renderer.read) };
  });
}

function parseArg(arg) {
  const [file, clickText] = arg.split('@');
  const clicks = (clickText ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const [linkId, value] = pair.split('=');
      return { linkId, value };
    });
  const persona = basename(file, '.json').replace(/^QuestionnaireResponse-/, '');
  return { file, clicks, persona: clicks.length ? `${persona}-clicked` : persona };
}

async function main() {
  const [name, questionnaireFile, outDir, ...responseArgs] = process.argv.slice(2);
  const renderer = RENDERERS[name];
  if (!renderer || !questionnaireFile || !outDir || responseArgs.length === 0) {
    throw new Error(
      'gebruik: capture-responses.mjs smartforms|lforms QUESTIONNAIRE OUT_DIR RESPONSE[@linkId=value,...]...',
    );
  }
  if (name !== 'smartforms' && responseArgs.some((arg) => arg.includes('@'))) {
    throw new Error('klikken (@linkId=value) kan alleen met smartforms');
  }
  const { version } = await readJsonFile(join(HERE, 'node_modules', renderer.packageName, 'package.json'));
  const questionnaire = await readJsonFile(questionnaireFile);
  const jobs = [];
  for (const job of responseArgs.map(parseArg)) {
    jobs.push({ ...job, response: await readJsonFile(job.file) });
  }
  await mkdir(outDir, { recursive: true });
  await withBrowser(renderer.mounts, async (context, origin) => {
    for (const job of jobs) {
      const result = await capture(context, origin, renderer, questionnaire, job.response, job.clicks);
      const out = join(outDir, `${name}-${version}-${job.persona}.json`);
      if (result.response) {
        await writeFile(out, `${JSON.stringify(result.response, null, 2)}\n`);
      }
      const problems = result.errors.map((e) => `${e.source}: ${e.message}`);
      const head = result.response ? out : `GEEN response voor ${job.file}`;
      process.stderr.write([head, ...problems].join('\n  ') + '\n');
      if (problems.length || !result.response) {
        process.exitCode = 1;
      }
    }
  });
}

run(main);
