// GraphiQL served from WebJars (no CDN), sending the signed-in user's token with every query.
import { accessToken } from './auth.js';
import { ready, shell } from './ui.js';

shell('GraphiQL');
const token = accessToken();
const fetcher = window.GraphiQL.createFetcher({ url: '/graphql', headers: token ? { Authorization: `Bearer ${token}` } : {} });
const root = window.ReactDOM.createRoot(document.getElementById('graphiql'));
root.render(window.React.createElement(window.GraphiQL, {
  fetcher,
  defaultQuery: '# CareGraph analytics: press the run button (or Ctrl-Enter); the schema is in the Docs pane.\n'
    + '{\n  concepts(search: "diabetes", types: [CONDITION], first: 5) {\n    concept { key display }\n    uses\n  }\n}\n',
}));
// CodeMirror's hidden input areas have no name and its scrollers no tab stop: give them both, for screen readers
// and keyboards, as GraphiQL adds editors (query, variables, headers, result).
const NAMES = [['.graphiql-query-editor', 'GraphQL query'], ['.graphiql-editor-tool', 'Variables or headers (JSON)'],
  ['.result-window', 'Result']];
function label() {
  for (const [where, name] of NAMES) {
    for (const area of document.querySelectorAll(`${where} textarea:not([aria-label])`)) area.setAttribute('aria-label', name);
  }
  for (const scroller of document.querySelectorAll('.CodeMirror-scroll[tabindex="-1"]')) {
    scroller.setAttribute('tabindex', '0');
    scroller.setAttribute('aria-label', `${scroller.closest('.result-window') ? 'Result' : 'Editor'} (scroll)`);
  }
}
new MutationObserver(label).observe(document.getElementById('graphiql'), { childList: true, subtree: true });
ready();
