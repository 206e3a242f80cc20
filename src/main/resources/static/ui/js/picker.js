// A concept picker: a search field offering the concepts events use (concepts(search:)), and the chosen ones as
// removable chips. Concepts chosen in an earlier session (from the URL) get their display looked up by code.
import { graphql } from './api.js';
import { conceptLabel, el, showError } from './ui.js';

const SEARCH = `query($s: String!, $t: [EventType!], $m: Boolean) {
  concepts(search: $s, types: $t, mentions: $m, first: 15) { concept { key system code display } uses } }`;
const known = new Map();
let serial = 0;

function key(c) {
  return c.system ? `${c.system}|${c.code}` : c.code;
}

/**
 * `value` is the list of chosen {system, code}; `onChange(list)` gets the new list. `types`: the kinds of event whose
 * concepts are offered (null: all); `mentions`: notes' NLP mentions instead; `single`: one concept at most.
 */
export function conceptPicker({ label, value, onChange, types = null, mentions = false, single = false }) {
  const id = `picker-${++serial}`;
  const chosen = el('ul', { class: 'chips', 'aria-label': `${label}: chosen` });
  const input = el('input', { type: 'search', id, autocomplete: 'off', placeholder: 'Type 2 letters or a code', 'data-picker': label });
  const results = el('ul', { class: 'results', 'aria-label': `${label}: matches`, 'aria-live': 'polite' });
  const status = el('div');
  let current = [...value];

  function drawChosen() {
    chosen.replaceChildren(...current.map((c) => el('li', { 'data-code': key(c) }, known.get(key(c)) ? conceptLabel(known.get(key(c))) : c.code,
      el('button', { type: 'button', class: 'secondary', 'aria-label': `Remove ${known.get(key(c))?.display || c.code}`,
        onclick: () => { current = current.filter((x) => key(x) !== key(c)); drawChosen(); onChange(current); } }, '×'))));
  }

  let timer;
  let asked = 0;
  async function search() {
    const text = input.value.trim();
    const mine = ++asked;
    if (text.length < 2) {
      results.replaceChildren();
      return;
    }
    try {
      const data = await graphql(SEARCH, { s: text, t: types, m: mentions });
      if (mine !== asked) return;
      status.replaceChildren();
      results.replaceChildren(...(data.concepts.length ? data.concepts.map(({ concept, uses }) => {
        known.set(concept.key, concept);
        return el('li', {}, el('button', { type: 'button', 'data-concept': concept.key, onclick: () => add(concept) },
          `${conceptLabel(concept)} · ${uses} ${mentions ? 'mentions' : 'uses'}`));
      }) : [el('li', { class: 'empty' }, 'No concept matches')]));
    } catch (e) {
      showError(status, e);
    }
  }

  function add(concept) {
    const c = { system: concept.system, code: concept.code };
    current = single ? [c] : [...current.filter((x) => key(x) !== key(c)), c];
    input.value = '';
    results.replaceChildren();
    drawChosen();
    onChange(current);
    input.focus();
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      clearTimeout(timer);
      search();
    }
  });

  // displays of concepts that came from the URL or pasted JSON
  Promise.all(current.filter((c) => !known.has(key(c))).map((c) => graphql(SEARCH, { s: c.code, t: null, m: mentions })
    .then((d) => d.concepts.forEach(({ concept }) => known.set(concept.key, concept))).catch(() => {})))
    .then(drawChosen);
  drawChosen();
  return el('div', { class: 'picker' }, el('label', { for: id }, label), ' ', input, chosen, results, status);
}
