// Re-integratie on the page: the companion Questionnaire `re-integratie` (country, work status,
// first sick day, the Belgian trajectory and decision, who is involved) is filled in with the
// same renderer and the same draft/send as the conversations; what the service makes of it, the
// milestones as Tasks, is shown as the Tijdlijn (tijdlijn.js). Here: the start page's section
// and the Tijdlijn screen's data.
import { api, ApiError, isReintegratie } from './api.js';
import { datum } from './dutch.js';
import { el } from './plan.js';
import { tijdlijnView } from './tijdlijn.js';

export const REINTEGRATIE = 're-integratie';

const done = (response) => response.status === 'completed' || response.status === 'amended';

// The steps of the re-integratie form: one page of questions, then the Tijdlijn.
export function reintegratieSteps(questionnaire) {
  return [
    { key: 'start', title: 'Start' },
    { key: 're-integratie', title: 'Re-integratie: uw situatie', items: (questionnaire.item || []).map((item) => item.linkId) },
    { key: 'plan', title: 'Tijdlijn' },
  ];
}

// The patient's re-integratie responses, newest first.
export async function reintegratieResponses(patient) {
  return (await api.allResponses(patient)).filter(isReintegratie).sort((a, b) => (b.authored || '').localeCompare(a.authored || ''));
}

// A new response with the answers of an earlier one: a correction (another first sick day, a
// decision that came later) is a new response; the service moves the milestones along.
export function asNew(response) {
  const copy = structuredClone(response);
  for (const key of ['id', 'meta', 'authored', 'identifier', 'text']) delete copy[key];
  copy.status = 'in-progress';
  return copy;
}

// The start page's section. actions: fill(response) a new one, resume(draft), tijdlijn().
export function reintegratieSection(responses, actions) {
  const latest = responses[0];
  const lastDone = responses.find(done);
  const buttons = [];
  let status;
  if (!latest) {
    status = 'U hebt deze vragen nog niet ingevuld. Vul ze in: dan ziet u op de tijdlijn wat er wanneer moet gebeuren, en wie het doet.';
    buttons.push(['knop-ri-invullen', 'Re-integratie invullen', '', () => actions.fill(null)]);
  } else if (!done(latest)) {
    status = `U hebt een concept van ${datum(latest.authored) || 'onbekende datum'}. Vul het verder in en verstuur het; dan komt de tijdlijn bij.`;
    buttons.push(['knop-ri-verder', 'Re-integratie verder invullen', '', () => actions.resume(latest)]);
  } else {
    status = `Ingevuld op ${datum(latest.authored) || 'onbekende datum'}.`;
  }
  if (lastDone) {
    buttons.push(['knop-tijdlijn', 'Tijdlijn bekijken', done(latest) ? '' : 'tweede', () => actions.tijdlijn()]);
    buttons.push(['knop-ri-wijzigen', 'Gegevens wijzigen', 'tweede', () => actions.fill(asNew(lastDone))]);
  }
  return el(
    'section',
    { id: 'reintegratie', 'aria-labelledby': 'reintegratie-kop' },
    el('h3', { id: 'reintegratie-kop' }, 'Re-integratie: de weg terug naar werk'),
    el('p', {}, 'Wie ziek is, heeft met termijnen te maken: in Nederland de Wet verbetering poortwachter of de Ziektewet, in België het re-integratietraject. Een paar vragen over uw situatie zijn genoeg om ze op een tijdlijn te zetten.'),
    el('p', { class: 'ri-stand' }, status),
    el('div', { class: 'knoppen' }, buttons.map(([id, text, kind, action]) => {
      const button = el('button', { type: 'button', id, class: kind || null }, text);
      button.onclick = action;
      return button;
    })),
  );
}

function answer(items, linkId) {
  for (const item of items || []) {
    if (item.linkId === linkId && item.answer?.length) return item.answer[0];
    const inner = answer(item.item, linkId);
    if (inner) return inner;
  }
  return null;
}

// The Tijdlijn of a patient: the service's milestone Tasks and, for the words around them, the
// latest sent re-integratie response (country, first sick day).
export async function tijdlijnScreen(patient) {
  const responses = await reintegratieResponses(patient);
  const latest = responses.find(done);
  const about = {
    patient,
    land: answer(latest?.item, 'ri-land')?.valueCoding?.code,
    eersteZiektedag: answer(latest?.item, 'ri-eerste-ziektedag')?.valueDate,
  };
  if (!latest) {
    return tijdlijnView([], {
      ...about,
      leeg: responses.length
        ? 'Uw tijdlijn is er zodra u de vragen over re-integratie hebt verstuurd. Ga terug naar start en kies ‘Re-integratie verder invullen’.'
        : 'Er is nog geen tijdlijn: vul eerst de vragen over re-integratie in. Ga terug naar start en kies ‘Re-integratie invullen’.',
    });
  }
  let tasks;
  try {
    // Only the clock's milestones: a referral's Task (issue 22, item 5) is no milestone.
    tasks = (await api.tasks(patient)).filter((task) => (task.code?.coding || []).some((c) => c.system?.endsWith('/CodeSystem/re-integratie-grondslag')));
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
      throw new ApiError(error.status, 'Deze dienst kan (nog) geen tijdlijn tonen: hij kent de mijlpalen (Task) niet. Vraag de beheerder de dienst bij te werken.');
    }
    throw error;
  }
  return tijdlijnView(tasks, {
    ...about,
    leeg: 'Uit uw antwoorden volgen (nog) geen mijlpalen. Klopt uw eerste ziektedag en uw situatie? Kies op de startpagina ‘Gegevens wijzigen’.',
  });
}

// The clock's refusals name an answer by its own short name ("beslissingsdatum"), not as the
// FHIRPath of its question, and write dates as YYYY-MM-DD. For the person: the question it is
// about (a link to it) and the dates as DD-MM-JJJJ; what it says stays the service's Dutch.
const CLOCK_ANSWER = {
  situatie: ['ri-situatie-nl', 'ri-situatie-be'],
  'start-traject': ['ri-start-traject'],
  beslissing: ['ri-beslissing'],
  beslissingsdatum: ['ri-beslissingsdatum'],
  probleemanalyse: ['ri-probleemanalyse-op'],
  'plan-van-aanpak': ['ri-plan-van-aanpak-op'],
  einddatum: ['ri-einddatum'],
};

export function reintegratieIssue(issue) {
  const linkIds = CLOCK_ANSWER[issue.where] || (/^ri-[a-z-]+$/.test(issue.where) ? [issue.where] : null);
  if (!linkIds) return issue;
  const shown = linkIds.find((id) => document.querySelector(`#form [data-linkid="${CSS.escape(id)}"]`)) || linkIds[0];
  // "De datum bij beslissingsdatum (…)": the link already names the question.
  const text = issue.text.replace(` bij ${issue.where} `, ' ').replace(/\b(\d{4}-\d{2}-\d{2})\b/g, (iso) => datum(iso));
  return { ...issue, where: `QuestionnaireResponse.item.where(linkId='${shown}')`, text, reden: text };
}
