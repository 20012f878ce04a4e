// The patient's one Werk plan as the service keeps it now (issue 20, item 5): not what one
// conversation extracted, but the local copies the service updated with every conversation —
// the CarePlan Werk, the Goals and referrals it points at (a follow-up's review gave them their
// statuses), and the newest consent. Shaped as the Bundle planView() draws.
import { api } from './api.js';

const WERK = (plan) => (plan.category || []).some((c) => (c.coding || []).some((coding) => coding.code === 'werk' && coding.system?.endsWith('/CodeSystem/careplan-categorie')));
// Only references the service itself wrote (Type/id) are followed: nothing else becomes a URL.
const LOCAL = /^(Goal|ServiceRequest)\/[A-Za-z0-9\-.]{1,64}$/;

// Is this response a Werk conversation (a first conversation or a follow-up)?
export const isConversation = (response) => /\/Questionnaire\/(leidraad|vervolggesprek)(\||$)/.test(response.questionnaire || '');

// The Bundle of the current plan, or null when the patient has none yet.
export async function currentPlan(patient) {
  const plans = (await api.search('CarePlan', patient)).filter(WERK);
  // One per patient by its identity; should there ever be more, the newest counts.
  const plan = plans.sort((a, b) => (b.meta?.lastUpdated || '').localeCompare(a.meta?.lastUpdated || ''))[0];
  if (!plan) {
    return null;
  }
  const linked = [...(plan.goal || []), ...(plan.activity || []).map((a) => a.reference)]
    .map((reference) => reference?.reference)
    .filter((reference) => LOCAL.test(reference || ''));
  const resources = await Promise.all(linked.map((reference) => api.local(reference)));
  // Each conversation records its own consent; the newest one is what holds now.
  const consent = (await api.search('Consent', patient))
    .filter((c) => c.status !== 'entered-in-error')
    .sort((a, b) => (b.dateTime || '').localeCompare(a.dateTime || ''))[0];
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [plan, ...resources, consent].filter(Boolean).map((resource) => ({ fullUrl: `${resource.resourceType}/${resource.id}`, resource })),
  };
}
