// What a follow-up carries over from the last finished conversation besides what $populate
// fills in: the consent (who may see the goals and agreements) and a follow-up date that is still
// ahead. Without them a follow-up that adds nothing new left step 4 empty, and the plan lost its
// consent and date (issue 20, item 2). The patient sees them filled in and can change them.
const STAP4 = 'stap-4';
const KEPT = new Set(['delen', 'vervolggesprek']);

function laterThanToday(item, today) {
  const date = item.answer?.[0]?.valueDate;
  return typeof date === 'string' && date > today;
}

export function carriedOver(populated, earlier, today = new Date().toISOString().slice(0, 10)) {
  const from = (earlier?.item || []).find((item) => item.linkId === STAP4);
  if (!from) {
    return populated;
  }
  const kept = (from.item || []).filter(
    (item) => KEPT.has(item.linkId) && (item.linkId !== 'vervolggesprek' || laterThanToday(item, today)),
  );
  if (!kept.length) {
    return populated;
  }
  const copy = structuredClone(populated);
  copy.item = copy.item || [];
  let step = copy.item.find((item) => item.linkId === STAP4);
  if (!step) {
    step = { linkId: STAP4, text: from.text, item: [] };
    copy.item.push(step);
  }
  step.item = step.item || [];
  for (const item of kept) {
    if (!step.item.some((own) => own.linkId === item.linkId)) {
      step.item.push(structuredClone(item));
    }
  }
  return copy;
}
