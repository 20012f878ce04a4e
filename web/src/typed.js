// Stands in for the renderer's utils/inputSanitization (see vite.config.mjs): text is stored as
// typed. The renderer (1.4.x) strips "javascript:", "onclick", "<script", "alert(", "style=", "&#",
// ".css" and more from every typed answer, while the field keeps showing what was typed, so a
// patient's words were changed without a word. Removing words is no defence: the stored answer is
// data, and it is escaped where it is shown (React in the form, text nodes in the plan, JSON in FHIR).
export function sanitizeInput(input) {
  return input;
}
