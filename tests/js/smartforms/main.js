// The Smart Forms renderer (React) behind a small window API that smartforms-run.mjs drives:
//   await window.smartForms.render(questionnaire, questionnaireResponse?)
//   window.smartForms.response()  -> the QuestionnaireResponse the form holds
// Plain createElement, no JSX: no React plugin needed in the build.
import { QueryClientProvider } from '@tanstack/react-query';
import {
  BaseRenderer,
  buildForm,
  getResponse,
  RendererThemeProvider,
  useRendererQueryClient,
} from '@aehrc/smart-forms-renderer';
import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';

// A closed port: no terminology lookups leave this machine (the runner reports any attempt).
const TERMINOLOGY_SERVER = 'http://127.0.0.1:9/fhir';

function Form() {
  const queryClient = useRendererQueryClient();
  return h(RendererThemeProvider, null, h(QueryClientProvider, { client: queryClient }, h(BaseRenderer)));
}

const root = createRoot(document.getElementById('form'));

window.smartForms = {
  async render(questionnaire, questionnaireResponse) {
    await buildForm({
      questionnaire,
      questionnaireResponse: questionnaireResponse ?? undefined,
      terminologyServerUrl: TERMINOLOGY_SERVER,
    });
    root.render(h(Form));
  },
  response: () => getResponse(),
};
