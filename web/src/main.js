// The page's flow: Start → (Terugblik) → Stap 1 → the chosen themes → Stap 3 en 4 → the plan.
// One Smart Forms form holds the whole conversation; each step shows only its own top-level
// items. Drafts are in-progress QuestionnaireResponses on the service, so a patient can stop and
// come back. No answer or patient identifier is ever written to the console.
import './style.css';
import { api, ApiError, isReintegratie, pageSettings, session, tokenFromFragment } from './api.js';
import { carriedOver } from './carry.js';
import { trendOf } from './chart.js';
import { datum } from './dutch.js';
import * as form from './form.js';
import { currentPlan, isConversation } from './living.js';
import { dag, el, planView } from './plan.js';
import { REINTEGRATIE, reintegratieIssue, reintegratieResponses, reintegratieSection, reintegratieSteps, tijdlijnScreen } from './reintegratie.js';
import { questionnaireForRenderer, responseForRenderer, responseForService } from './workarounds.js';

const LEIDRAAD = 'leidraad-assembled';
const VERVOLG = 'vervolggesprek-assembled';
const PATIENT_ID = /^[A-Za-z0-9\-.]{1,64}$/;

const $ = (id) => document.getElementById(id);
// view: a counter of screens; an answer that arrives after the person moved on is not drawn.
const state = { settings: {}, patient: '', questionnaire: null, stored: null, steps: [], step: 0, view: 0 };

// --- messages -------------------------------------------------------------------------------

function clearMessage() {
  $('melding').replaceChildren();
}

function message(text, details = [], kind = 'fout', ...extra) {
  $('melding').replaceChildren(
    el('div', { class: `bericht ${kind}` }, el('p', {}, text), details.length ? el('ul', {}, details.map((d) => el('li', {}, d))) : null, ...extra),
  );
  $('melding').scrollIntoView?.({ block: 'nearest' });
}

// A refusal of the service in plain Dutch: a patient reads which question it is about, never a
// linkId or a FHIRPath; those stay for the clinician, folded away under "Details".
function refusal(error) {
  const lines = error.issues.map(reintegratieIssue).map((issue) => {
    const linkId = /linkId='([^']+)'\)$/.exec(issue.where || '')?.[1];
    const question = linkId && questionText(linkId);
    if (question && issue.code === 'required') return link(linkId, `Nog niet beantwoord: ‘${question}’`);
    if (question) return link(linkId, `Bij ‘${question}’ klopt iets niet${issue.reden ? `: ${issue.reden}` : '.'}`);
    return el('span', {}, issue.text.replace(/'[a-z0-9-]+'/g, '').replace(/\s+/g, ' '));
  });
  const details = el('details', { class: 'details' }, el('summary', {}, 'Details voor de hulpverlener'),
    el('ul', {}, error.issues.map((issue) => el('li', {}, `${issue.text}${issue.where ? ` (bij ${issue.where})` : ''}`))));
  message(error.message, [], 'fout', el('ul', {}, lines.map((line) => el('li', {}, line))), details);
}

function explain(error) {
  if (error instanceof ApiError && error.status === 401) {
    session.clear();
  }
  if (error instanceof ApiError && error.issues.length && state.questionnaire) {
    refusal(error);
  } else if (error instanceof ApiError) {
    message(error.message, error.details);
  } else {
    // A bug of the page itself: say so plainly, and keep the details out of the console.
    message('Er ging iets mis in deze pagina. Laad de pagina opnieuw en probeer het nog eens.');
  }
}

async function guarded(action) {
  clearMessage();
  try {
    await action();
  } catch (error) {
    explain(error);
  }
}

// --- questions ------------------------------------------------------------------------------

function eachItem(items, visit, parents = []) {
  for (const item of items || []) {
    visit(item, parents);
    eachItem(item.item, visit, [...parents, item]);
  }
}

function questionText(linkId) {
  let found = null;
  eachItem(state.questionnaire?.item, (item) => {
    if (item.linkId === linkId) found = item.text || item.linkId;
  });
  return found;
}

// The step whose items hold this element of the form.
function stepOf(node) {
  return state.steps.findIndex((step) => (step.items || []).some((id) => document.querySelector(`#form [data-linkid="${CSS.escape(id)}"]`)?.contains(node)));
}

// Goes to the question (its step first) and puts the focus in it.
function showQuestion(node) {
  const index = stepOf(node);
  if (index >= 0 && index !== state.step) goTo(index);
  node.scrollIntoView?.({ block: 'center' });
  const control = node.matches('input, textarea, button') ? node : node.querySelector('input:not([type="hidden"]), textarea:not([aria-hidden="true"]), [role="combobox"], button');
  (control || node).focus();
}

function link(linkId, text, n = 0, node = null) {
  const target = node || document.querySelectorAll(`#form [data-linkid="${CSS.escape(linkId)}"]`)[n];
  if (!target) return el('span', {}, text);
  const a = el('a', { href: `#${target.id || ''}`, class: 'naar-vraag' }, text);
  a.onclick = (event) => {
    event.preventDefault();
    showQuestion(target);
  };
  return a;
}

const answered = (item) => (item?.answer || []).some((a) => Object.keys(a).some((k) => k.startsWith('value'))) || (item?.item || []).some(answered);

// What is required and still empty, per step, by the form's own rules as the renderer shows them:
// an item the renderer does not draw is disabled (enableWhen) and never missing. A required item
// inside a repeating group counts only in a repetition that has some answer (an entry left empty
// is no entry); sections (groups that occur once) are part of every form.
function missingAnswers() {
  const response = form.response();
  const missing = [];
  eachItem(state.questionnaire.item, (qitem, parents) => {
    if (!qitem.required || qitem.type === 'display') return;
    const repeating = parents.findLast((p) => p.repeats);
    const drawn = [...document.querySelectorAll(`#form [data-linkid="${CSS.escape(qitem.linkId)}"]`)];
    if (!drawn.length) return;
    if (!repeating) {
      const given = [];
      eachItem(response.item, (r) => r.linkId === qitem.linkId && given.push(r));
      if (!given.some(answered)) missing.push({ linkId: qitem.linkId, text: qitem.text, node: drawn[0] });
      return;
    }
    const entries = [];
    eachItem(response.item, (r) => r.linkId === repeating.linkId && entries.push(r));
    entries.filter(answered).forEach((entry, n) => {
      let has = false;
      eachItem(entry.item, (r) => { if (r.linkId === qitem.linkId && answered(r)) has = true; });
      if (!has) missing.push({ linkId: qitem.linkId, text: qitem.text, node: drawn[n] || drawn[0] });
    });
  });
  return missing;
}

// Missing answers and impossible dates, listed per step, each a link to its question; true when
// there is something to mend (nothing is then saved or sent).
function blocked(completing) {
  const dates = form.invalidDates().map(({ id, text }) => ({ node: document.getElementById(id), text: `Deze datum bestaat niet: ‘${text}’` }));
  const missing = completing ? missingAnswers().map((m) => ({ node: m.node, text: `Nog niet beantwoord: ‘${m.text}’` })) : [];
  const problems = [...dates, ...missing];
  if (!problems.length) return false;
  const perStep = new Map();
  for (const problem of problems) {
    const index = stepOf(problem.node);
    if (!perStep.has(index)) perStep.set(index, []);
    perStep.get(index).push(problem);
  }
  const sections = [...perStep.entries()].sort((a, b) => a[0] - b[0]).map(([index, list]) =>
    el('div', { class: 'ontbreekt' },
      el('h3', {}, state.steps[index]?.title || 'Elders'),
      el('ul', {}, list.map((p) => el('li', {}, link(null, p.text, 0, p.node)))),
    ));
  message(
    dates.length && !missing.length
      ? 'Een datum klopt niet. Verbeter hem (DD-MM-JJJJ) of maak het veld leeg; er is nog niets opgeslagen.'
      : 'Er ontbreken nog antwoorden. Vul ze in; er is nog niets verstuurd.',
    [], 'fout', ...sections,
  );
  return true;
}

// --- steps ----------------------------------------------------------------------------------

// Each top-level item belongs to the step whose group it follows in the Questionnaire.
function stepsOf(questionnaire) {
  if (questionnaire.id === REINTEGRATIE) return reintegratieSteps(questionnaire);
  const sections = { terugblik: [], stap1: [], themas: [], stap34: [] };
  let current = null;
  for (const item of questionnaire.item || []) {
    const id = item.linkId;
    if (id === 'terugblik') current = 'terugblik';
    else if (id === 'stap-1') current = 'stap1';
    else if (id === 'stap-2') current = 'themas';
    else if (id === 'stap-3') current = 'stap34';
    if (current) sections[current].push(id);
  }
  const steps = [{ key: 'start', title: 'Start' }];
  if (sections.terugblik.length) {
    steps.push({ key: 'terugblik', title: 'Terugblik', items: sections.terugblik });
  }
  steps.push(
    { key: 'stap1', title: 'Stap 1: Voorbereiding', items: sections.stap1 },
    { key: 'themas', title: 'Stap 2: De thema’s', items: sections.themas },
    { key: 'stap34', title: 'Stap 3 en 4: Afspraken', items: sections.stap34 },
    { key: 'plan', title: 'Het plan Werk' },
  );
  return steps;
}

// The steps of the conversation; once a form is open, its steps are buttons, so one can go back
// to any step (the answers stay in the one form).
function drawSteps() {
  const steps = state.steps.length ? state.steps : stepsOf({ item: [{ linkId: 'stap-1' }, { linkId: 'stap-2' }, { linkId: 'stap-3' }] });
  const open = state.questionnaire && state.steps.length && state.steps[state.step]?.items;
  $('stappen').replaceChildren(
    ...steps.map((step, i) => {
      const current = i === state.step ? 'step' : null;
      if (open && step.items && i !== state.step) {
        const button = el('button', { type: 'button', class: 'stap-knop' }, step.title);
        button.onclick = () => goTo(i);
        return el('li', {}, button);
      }
      return el('li', { 'aria-current': current }, step.title);
    }),
  );
}

function showForm(visible) {
  $('formulier').hidden = !visible;
  $('scherm').hidden = visible;
}

function goTo(index) {
  state.step = index;
  const step = state.steps[index];
  drawSteps();
  if (step.items) {
    showForm(true);
    const all = state.questionnaire.item.map((item) => item.linkId);
    form.only(step.items, all);
    $('formulier-kop').textContent = step.title;
    formButtons(index);
    $('formulier-kop').focus();
  }
}

function formButtons(index) {
  const last = state.steps[index + 1]?.key === 'plan';
  const first = state.steps[index - 1]?.key === 'start';
  $('formulier-knoppen').replaceChildren(
    el('button', { type: 'button', id: 'knop-vorige', class: 'tweede' }, first ? 'Terug naar start' : 'Vorige stap'),
    el('button', { type: 'button', id: 'knop-opslaan', class: 'tweede' }, 'Concept opslaan'),
    last
      ? el('button', { type: 'button', id: 'knop-versturen' }, 'Afronden en versturen')
      : el('button', { type: 'button', id: 'knop-volgende' }, 'Volgende stap'),
  );
  $('knop-vorige').onclick = () => (first ? start() : goTo(index - 1));
  $('knop-opslaan').onclick = () =>
    guarded(async () => {
      if (!(await save('in-progress'))) return;
      message(`Uw concept is opgeslagen (${datum(new Date().toISOString().slice(0, 10))}). U kunt later verder gaan.`, [], 'gelukt');
    });
  if (last) {
    // One submission per click: a second click while the first is on its way would send the
    // response again (a PUT on a version that just changed: a false "gewijzigd" conflict).
    $('knop-versturen').onclick = async (event) => {
      const button = event.currentTarget;
      if (button.getAttribute('aria-disabled') === 'true') return;
      button.setAttribute('aria-disabled', 'true');
      try {
        await guarded(submit);
      } finally {
        button.removeAttribute('aria-disabled');
      }
    };
  } else {
    $('knop-volgende').onclick = () => goTo(index + 1);
  }
}

// --- saving ---------------------------------------------------------------------------------

async function save(status) {
  if (blocked(status === 'completed')) {
    return null;
  }
  const response = responseForService(structuredClone(form.response()));
  const q = state.questionnaire;
  response.resourceType = 'QuestionnaireResponse';
  response.questionnaire = `${q.url}|${q.version}`;
  response.status = status;
  response.subject = { reference: `Patient/${state.patient}` };
  response.authored = new Date().toISOString();
  // Nothing answered yet: the renderer gives "item": [], which FHIR JSON does not allow.
  if (Array.isArray(response.item) && response.item.length === 0) {
    delete response.item;
  }
  let result;
  if (state.stored) {
    response.id = state.stored.id;
    result = await api.update(response, state.stored.etag);
  } else {
    delete response.id;
    result = await api.create(response);
  }
  state.stored = { id: result.data.id, etag: result.etag, resource: result.data };
  return result.data;
}

async function submit() {
  const stored = await save('completed');
  if (stored) {
    await (isReintegratie(stored) ? showTijdlijn() : showPlan());
  }
}

// --- the plan -------------------------------------------------------------------------------

// The patient's completed Werk conversations, oldest first: together the plan's history.
async function conversationsDone(patient) {
  return (await api.responses(patient))
    .filter((r) => isConversation(r) && (r.status === 'completed' || r.status === 'amended'))
    .sort((a, b) => (a.authored || '').localeCompare(b.authored || ''));
}

async function trendFor(responses) {
  const bundles = [];
  for (const response of responses) {
    bundles.push(await api.extract(response));
  }
  return trendOf(bundles);
}

// The plan is the patient's one living plan Werk, as the conversations so far left it: whichever
// conversation one comes from, the page shows the current plan (an earlier conversation is its
// history, not a plan of its own).
async function showPlan() {
  state.view += 1;
  state.steps = state.steps.length ? state.steps : stepsOf({ item: [{ linkId: 'stap-1' }, { linkId: 'stap-2' }, { linkId: 'stap-3' }] });
  state.step = state.steps.length - 1;
  drawSteps();
  showForm(false);
  const done = await conversationsDone(state.patient);
  const newest = done.at(-1);
  const bundle = (await currentPlan(state.patient)) || { entry: [] };
  const delivery = newest ? await api.delivery(newest.id).catch(() => null) : null;
  const trend = await trendFor(done);
  const view = planView(bundle, delivery, trend, {
    patient: state.patient,
    date: datum(newest?.authored),
    history: done.slice(0, -1).map((r) => datum(r.authored)),
  });
  const buttons = el(
    'div',
    { class: 'knoppen niet-afdrukken' },
    el('button', { type: 'button', id: 'knop-afdrukken' }, 'Afspraken afdrukken'),
    el('button', { type: 'button', id: 'knop-verversen', class: 'tweede' }, 'Aflevering opnieuw bekijken'),
    el('button', { type: 'button', id: 'knop-start', class: 'tweede' }, 'Terug naar start'),
  );
  $('scherm').replaceChildren(view, buttons);
  $('knop-afdrukken').onclick = () => window.print();
  $('knop-verversen').onclick = () => guarded(() => showPlan());
  $('knop-start').onclick = () => start();
  $('plan-kop').focus();
}

// The re-integration clock's milestones of the patient (reintegratie.js, tijdlijn.js).
async function showTijdlijn() {
  const view = ++state.view;
  state.steps = reintegratieSteps({});
  state.step = state.steps.length - 1;
  drawSteps();
  showForm(false);
  const shown = await tijdlijnScreen(state.patient);
  if (view !== state.view) return;
  const buttons = el('div', { class: 'knoppen niet-afdrukken' },
    el('button', { type: 'button', id: 'knop-afdrukken' }, 'Tijdlijn afdrukken'),
    el('button', { type: 'button', id: 'knop-start', class: 'tweede' }, 'Terug naar start'));
  $('scherm').replaceChildren(shown, buttons);
  $('knop-afdrukken').onclick = () => window.print();
  $('knop-start').onclick = () => start();
  $('tijdlijn-kop').focus();
}

// --- start ----------------------------------------------------------------------------------

async function begin(questionnaireId, response, stored, earlier = new Map()) {
  state.view += 1;
  state.questionnaire = await api.questionnaire(questionnaireId);
  state.stored = stored;
  state.steps = stepsOf(state.questionnaire);
  const shown = questionnaireForRenderer(state.questionnaire);
  await form.show($('form'), shown, responseForRenderer(shown, response), earlier);
  goTo(1);
}

async function followUp() {
  const earlier = (await api.responses(state.patient)).filter((r) => r.status === 'completed' || r.status === 'amended');
  if (!earlier.length) {
    message('Er is nog geen afgerond gesprek om op terug te kijken. Begin eerst een nieuw gesprek; het vervolggesprek kijkt terug op de afspraken daarvan.');
    return;
  }
  let parameters;
  try {
    parameters = await api.populate(state.patient);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      message(
        'Het vervolggesprek kan nog niet vooraf worden ingevuld: deze dienst kent de bewerking $populate (nog) niet. Vraag de beheerder de dienst bij te werken, of begin een nieuw gesprek.',
      );
      return;
    }
    throw error;
  }
  const response = (parameters.parameter || []).find((p) => p.name === 'response')?.resource || parameters;
  if (response.resourceType !== 'QuestionnaireResponse') {
    message('De dienst gaf geen vooraf ingevuld gesprek terug.');
    return;
  }
  const last = (await api.responses(state.patient))
    .filter((r) => r.status === 'completed' || r.status === 'amended')
    .sort((a, b) => (b.authored || '').localeCompare(a.authored || ''))[0];
  await begin(VERVOLG, carriedOver(response, last), null, form.scores(last));
}

// One conversation in the list. A completed one that a later conversation replaced is history:
// it says by which, and its button opens the current plan (there is one plan, not one each).
function conversationRow(response, replacedBy) {
  const followup = (response.questionnaire || '').includes('/vervolggesprek');
  const done = response.status === 'completed' || response.status === 'amended';
  const label = !done ? 'Verder invullen' : replacedBy ? 'Huidig plan bekijken' : 'Plan bekijken';
  const button = el('button', { type: 'button', class: 'tweede' }, label);
  button.onclick = () =>
    guarded(async () => {
      if (done) {
        state.steps = [];
        await showPlan();
      } else {
        const { data, etag } = await api.read(response.id);
        await begin(followup ? VERVOLG : LEIDRAAD, data, { id: data.id, etag, resource: data });
      }
    });
  const when = (r) => dag(datum(r.authored) || 'onbekende datum');
  const stand = !done ? ['concept'] : replacedBy ? ['afgerond, vervangen door het gesprek van ', when(replacedBy)] : ['afgerond, het huidige plan'];
  return el(
    'li',
    { class: replacedBy ? 'geschiedenis' : null },
    el('span', { class: 'gesprek' }, `${followup ? 'Vervolggesprek' : 'Eerste gesprek'} van `, when(response), ' — ', ...stand, ' '),
    button,
  );
}

async function showConversations(view = state.view) {
  // The Werk conversations; re-integratie answers have their own section below (reintegratie.js).
  const responses = (await api.responses(state.patient)).filter(isConversation).sort((a, b) => (b.authored || '').localeCompare(a.authored || ''));
  if (view !== state.view || !$('gesprekken')) {
    return;
  }
  // Newest first: each completed conversation was replaced by the next completed one after it.
  const done = responses.filter((r) => r.status === 'completed' || r.status === 'amended');
  const replacedBy = (r) => (done.includes(r) ? done[done.indexOf(r) - 1] : undefined);
  const list = responses.length
    ? el('ul', { class: 'gesprekken' }, responses.map((r) => conversationRow(r, replacedBy(r))))
    : el('p', {}, 'Er zijn nog geen gesprekken opgeslagen.');
  const nieuw = el('button', { type: 'button', id: 'knop-nieuw' }, 'Nieuw gesprek beginnen');
  const vervolg = el('button', { type: 'button', id: 'knop-vervolg', class: 'tweede' }, 'Vervolggesprek beginnen');
  nieuw.onclick = () => guarded(() => begin(LEIDRAAD, null, null));
  vervolg.onclick = () => guarded(followUp);
  $('gesprekken').replaceChildren(el('h3', {}, 'Uw gesprekken'), list, el('div', { class: 'knoppen' }, nieuw, vervolg));
  const reintegratie = await reintegratieResponses(state.patient);
  if (view !== state.view || !$('reintegratie-plek')) return;
  $('reintegratie-plek').replaceChildren(reintegratieSection(reintegratie, {
    fill: (response) => guarded(() => begin(REINTEGRATIE, response, null)),
    resume: (draft) => guarded(async () => {
      const { data, etag } = await api.read(draft.id);
      await begin(REINTEGRATIE, data, { id: data.id, etag, resource: data });
    }),
    tijdlijn: () => guarded(showTijdlijn),
  }));
}

function stepSummary(questionnaire) {
  const groups = (questionnaire.item || []).filter((item) => /^stap-\d$/.test(item.linkId));
  return el(
    'ol',
    { class: 'vier-stappen' },
    groups.map((group) => {
      const explanation = (group.item || []).find((item) => item.type === 'display')?.text || '';
      const first = explanation.split(/(?<=[.!?])\s/)[0];
      return el('li', {}, el('strong', {}, group.text), first ? el('span', {}, ` ${first}`) : null);
    }),
  );
}

// Without the local mode the service wants a token; the start page asks for one first.
function signIn() {
  state.view += 1;
  const field = el('input', { id: 'toegang', name: 'toegang', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'toegang-uitleg' });
  const form = el('form', { id: 'aanmelden', class: 'patient' },
    el('label', { for: 'toegang' }, 'Toegangssleutel'),
    field,
    el('p', { id: 'toegang-uitleg', class: 'hint' }, 'Open deze pagina via de link van uw zorginstelling, dan bent u vanzelf aangemeld. Of plak hier de toegangssleutel die u kreeg.'),
    el('button', { type: 'submit' }, 'Aanmelden'),
  );
  form.onsubmit = (event) => {
    event.preventDefault();
    if (!field.value.trim()) {
      message('Vul uw toegangssleutel in.');
      field.focus();
      return;
    }
    session.set(field.value);
    guarded(start);
  };
  $('scherm').replaceChildren(el('h2', { id: 'start-kop', tabindex: '-1' }, 'Aanmelden'), el('p', {}, 'Deze dienst toont alleen uw eigen gesprekken, en daarvoor moet u zich aanmelden.'), form);
}

async function start() {
  const view = ++state.view;
  state.step = 0;
  state.steps = [];
  drawSteps();
  showForm(false);
  if (!state.settings.lokaal && !session.token()) {
    signIn();
    return;
  }
  const own = state.settings.lokaal ? null : session.patient();
  if (own) {
    state.patient = own;
  }
  const questionnaire = await api.questionnaire(LEIDRAAD);
  if (view !== state.view) {
    return;
  }
  const intro = (questionnaire.item || []).find((item) => item.linkId === 'leidraad-inleiding')?.text;
  const patient = el('input', {
    id: 'patient',
    name: 'patient',
    type: 'text',
    autocomplete: 'off',
    required: true,
    value: state.patient,
    readonly: own ? true : null,
    'aria-describedby': 'patient-uitleg',
  });
  const chosen = el('form', { id: 'patient-form', class: 'patient' },
    el('label', { for: 'patient' }, 'Patiëntnummer'),
    patient,
    el('p', { id: 'patient-uitleg', class: 'hint' }, state.settings.lokaal
      ? 'In deze demonstratie kiest u zelf een nummer, bijvoorbeeld demo-1 (letters, cijfers, - en .).'
      : own
        ? 'Uit uw aanmelding.'
        : 'Het nummer waaronder de patiënt bij uw zorginstelling bekend is.'),
    el('button', { type: 'submit' }, 'Mijn gesprekken tonen'),
  );
  chosen.onsubmit = (event) => {
    event.preventDefault();
    const value = patient.value.trim();
    if (!PATIENT_ID.test(value)) {
      message('Vul een geldig patiëntnummer in: 1 tot 64 letters, cijfers, streepjes of punten.');
      patient.setAttribute('aria-invalid', 'true');
      patient.focus();
      return;
    }
    patient.removeAttribute('aria-invalid');
    state.patient = value;
    guarded(showConversations);
  };
  $('scherm').replaceChildren(
    el('h2', { id: 'start-kop', tabindex: '-1' }, questionnaire.title || 'Gespreksleidraad Arbeid als medicijn'),
    el('p', {}, questionnaire.description || ''),
    ...(intro ? [el('p', {}, intro)] : []),
    el('h3', {}, 'Het gesprek in vier stappen'),
    stepSummary(questionnaire),
    chosen,
    el('div', { id: 'gesprekken' }),
    el('div', { id: 'reintegratie-plek' }),
    // replaceChildren writes a null as the text "null": only what is there.
    ...(state.settings.lokaal ? [] : [signOut()]),
  );
  if (state.patient) {
    await showConversations(view);
  }
}

function signOut() {
  const button = el('button', { type: 'button', id: 'knop-afmelden', class: 'tweede' }, 'Afmelden');
  button.onclick = () => {
    session.clear();
    state.patient = '';
    guarded(start);
  };
  return el('div', { class: 'knoppen' }, button);
}

// The form open means answers that may not be saved yet: the browser asks before leaving.
window.addEventListener('beforeunload', (event) => {
  if (!$('formulier').hidden) {
    event.preventDefault();
    event.returnValue = '';
  }
});

async function main() {
  tokenFromFragment();
  state.settings = await pageSettings();
  $('banner').hidden = !state.settings.lokaal;
  await guarded(start);
}

main();
