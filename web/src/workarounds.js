// Work-arounds for CSIRO Smart Forms renderer 1.4.0, each with the reason, in one place so they
// can go when the renderer is fixed.
//
// The follow-up's review asks "how did this goal go?" (terugblik-doel-stand) only for goals
// without a score: enableWhen "terugblik-doel-schaal exists false". The renderer evaluates that
// condition wrongly in a pre-filled repeated group (it showed the question for the first goal,
// which has a score, and hid it for the third, which has none), and the service then refuses the
// response. So the page shows the question for every earlier goal, says that a score goal's
// status follows from its new score, and before sending drops the answer of every goal that has a
// score (fhir-werk computes that status itself, docs/vervolggesprek.md).
const STAND = 'terugblik-doel-stand';
const DOEL = 'terugblik-doel';
const SCHAAL = 'terugblik-doel-schaal';
const AFGELEID = new Set([STAND, 'terugblik-doel-bijgesteld']);

function each(items, visit) {
  for (const item of items || []) {
    visit(item);
    each(item.item, visit);
  }
}

// A check box's answer is the option's coding cut down to system, code and display (the renderer's
// getRelevantCodingProperties), but its tick compares that answer with the whole option coding.
// The options carry an English translation in _display, so a clicked box was stored and never
// showed its tick, and the second click (to "fix" it) took the answer away. The page hands the
// renderer its options with just the three properties it keeps; the service still has the whole
// Questionnaire, and an answer never carried _display.
function relevant(coding) {
  const kept = { system: coding.system, code: coding.code, display: coding.display };
  for (const key of Object.keys(kept)) {
    if (kept[key] === undefined) delete kept[key];
  }
  if (coding.extension) kept.extension = coding.extension;
  return kept;
}

export function questionnaireForRenderer(questionnaire) {
  const copy = structuredClone(questionnaire);
  each(copy.item, (item) => {
    for (const option of item.answerOption || []) {
      if (option.valueCoding) option.valueCoding = relevant(option.valueCoding);
    }
    if (item.linkId === STAND && item.enableWhen) {
      delete item.enableWhen;
      delete item.enableBehavior;
      item.text = `${item.text} (Bij een doel met een score bepaalt de nieuwe score de stand.)`;
      delete item._text;
      item.required = false;
    }
  });
  return copy;
}

export function responseForService(response) {
  each(response.item, (item) => {
    if (item.linkId === DOEL && (item.item || []).some((child) => child.linkId === SCHAAL && child.answer?.length)) {
      item.item = item.item.filter((child) => !AFGELEID.has(child.linkId));
    }
  });
  return response;
}

// A pre-filled choice answer ($populate) carries the coding without the option's translation
// (_display). The renderer's check boxes compare the whole coding, so the chosen themes of the
// first conversation showed as not chosen (their questions were open all the same). Each coded
// answer becomes the answer option with the same system and code, as the renderer is shown it
// (questionnaireForRenderer).
export function responseForRenderer(questionnaire, response) {
  if (!response) {
    return response;
  }
  const options = new Map();
  each(questionnaire.item, (item) => {
    const codings = (item.answerOption || []).map((option) => option.valueCoding).filter(Boolean);
    if (codings.length) {
      options.set(item.linkId, codings);
    }
  });
  const copy = structuredClone(response);
  each(copy.item, (item) => {
    const codings = options.get(item.linkId);
    for (const answer of (codings && item.answer) || []) {
      const coding = answer.valueCoding;
      const option = coding && codings.find((c) => c.system === coding.system && c.code === coding.code);
      if (option) {
        answer.valueCoding = structuredClone(option);
      }
    }
  });
  return copy;
}
