// The service's FHIR API, same origin. Every failure becomes an ApiError with a Dutch sentence:
// the service's OperationOutcome already carries Dutch in details.text, anything else (no
// network, a proxy's HTML page) gets a sentence of our own. Nothing about the patient is logged.
const FHIR = 'application/fhir+json';
const BASE = new URL('fhir', document.baseURI).href.replace(/\/$/, '');

export class ApiError extends Error {
  constructor(status, message, details = [], issues = []) {
    super(message);
    this.status = status;
    this.details = details;
    // The errors as {code, text, where}: the page words them for a patient (main.js, refusal).
    this.issues = issues;
  }
}

const STATUS_TEXT = {
  400: 'De dienst kon het verzoek niet lezen.',
  401: 'U bent niet (meer) aangemeld. Meld u opnieuw aan via uw zorginstelling.',
  403: 'U mag dit niet zien of wijzigen.',
  404: 'De dienst kent dit niet.',
  409: 'Iemand anders heeft dit intussen gewijzigd.',
  412: 'Dit is intussen op een andere plek gewijzigd. Laad het gesprek opnieuw.',
  413: 'Het gesprek is te groot om op te slaan.',
  415: 'De dienst begreep het formaat niet.',
  422: 'De antwoorden zijn nog niet compleet of kloppen niet.',
};

function outcomeLines(outcome) {
  return (outcome.issue || [])
    .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
    .map((issue) => {
      const text = issue.details?.text || issue.diagnostics || 'Onbekende fout.';
      const where = (issue.expression || [])[0];
      return where ? `${text} (bij ${where})` : text;
    });
}

function outcomeIssues(outcome) {
  return (outcome.issue || [])
    .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
    .map((issue) => ({ code: issue.code, text: issue.details?.text || issue.diagnostics || 'Onbekende fout.', where: (issue.expression || [])[0] || '' }));
}

// Sign-in: a bearer token of the institution's authorization server (the service checks it:
// issuer, audience, JWKS, SMART scopes). It comes in the page's URL fragment (#access_token=…,
// as a portal or an OAuth redirect hands it over) or pasted on the start page, and lives in
// sessionStorage only: gone when the tab closes, never in the URL, never in the console.
const TOKEN_KEY = 'fhir-werk-toegang';

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token) => sessionStorage.setItem(TOKEN_KEY, token.trim()),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
  // The SMART launch context's patient of a patient token (shown, not trusted: the service decides).
  patient() {
    try {
      const part = session.token().split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const claims = JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '=')));
      return typeof claims.patient === 'string' ? claims.patient : null;
    } catch {
      return null;
    }
  },
};

export function tokenFromFragment() {
  const match = /(?:^|&)access_token=([^&]+)/.exec(location.hash.slice(1));
  if (match) {
    session.set(decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
}

async function request(method, path, body, headers = {}) {
  let response;
  const token = session.token();
  try {
    response = await fetch(`${BASE}/${path}`, {
      method,
      headers: {
        Accept: FHIR,
        ...(body ? { 'Content-Type': FHIR } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, 'De dienst is niet bereikbaar. Controleer of fhir-werk serve draait en probeer het opnieuw.');
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const outcome = data?.resourceType === 'OperationOutcome' ? data : { issue: [] };
    const general = STATUS_TEXT[response.status] || `De dienst gaf een fout (${response.status}).`;
    throw new ApiError(response.status, general, outcomeLines(outcome), outcomeIssues(outcome));
  }
  return { data, etag: response.headers.get('ETag') };
}

// A response to the re-integratie Questionnaire (reintegratie.js), not a conversation.
export const isReintegratie = (response) => /\/Questionnaire\/re-integratie(\||$)/.test(response?.questionnaire || '');

export const api = {
  questionnaire: (id) => request('GET', `Questionnaire/${encodeURIComponent(id)}`).then((r) => r.data),
  allResponses: (patient) =>
    request('GET', `QuestionnaireResponse?subject=Patient/${encodeURIComponent(patient)}&_count=100`).then(
      (r) => (r.data.entry || []).map((entry) => entry.resource),
    ),
  // The conversations (leidraad, vervolggesprek); the re-integratie responses have their own section.
  responses: (patient) => api.allResponses(patient).then((all) => all.filter((r) => !isReintegratie(r))),
  // The milestones of the re-integration clock, as the service keeps them (reintegratie.js).
  tasks: (patient) =>
    request('GET', `Task?patient=Patient/${encodeURIComponent(patient)}&_count=100`).then((r) =>
      (r.data.entry || []).map((entry) => entry.resource).filter((resource) => resource?.resourceType === 'Task'),
    ),
  read: (id) => request('GET', `QuestionnaireResponse/${encodeURIComponent(id)}`),
  // The service's copies of the plan (CarePlan, Goal, Consent …): a patient's, and one by Type/id.
  search: (kind, patient) =>
    request('GET', `${kind}?patient=${encodeURIComponent(patient)}&_count=100`).then((r) => (r.data.entry || []).map((entry) => entry.resource)),
  local: (reference) => request('GET', reference).then((r) => r.data),
  create: (response) => request('POST', 'QuestionnaireResponse', response),
  update: (response, etag) =>
    request('PUT', `QuestionnaireResponse/${encodeURIComponent(response.id)}`, response, etag ? { 'If-Match': etag } : {}),
  extract: (response) => request('POST', 'QuestionnaireResponse/$extract', response).then((r) => r.data),
  delivery: (id) => request('GET', `QuestionnaireResponse/${encodeURIComponent(id)}/$delivery`).then((r) => r.data),
  populate: (patient) =>
    request('POST', 'Questionnaire/vervolggesprek-assembled/$populate', {
      resourceType: 'Parameters',
      parameter: [{ name: 'subject', valueReference: { reference: `Patient/${patient}` } }],
    }).then((r) => r.data),
};

// The page's own settings (local mode), served by fhir_werk.web next to the page.
export async function pageSettings() {
  try {
    const response = await fetch(new URL('pagina.json', document.baseURI));
    return response.ok ? await response.json() : {};
  } catch {
    return {};
  }
}
