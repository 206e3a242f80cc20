// Patient journey: demographics, a zoomable timeline with one lane per event type, a detail panel, the same events
// as a table. State in the URL: types (lanes shown), from/to (the visible time span), event (the selected event's key).
import { graphql } from './api.js';
import { demographics, patientId, patientNav } from './patient.js';
import {
  EVENT_TYPES, busy, colour, conceptLabel, el, exportBar, number, onSchemeChange, params, ready, setParams, shell, shown, table,
  typeIcon,
} from './ui.js';

const d3 = window.d3;
const PAGE = `query($id: ID!, $after: String) {
  patient(id: $id) {
    id name gender birthDate deceased age
    journey(first: 1000, after: $after) {
      edges { node { id key resourceType type time end status display
        concepts { key system code display }
        values { value unit concept { code display } }
        encounter { id }
        mentions { text negated certainty experiencer temporality concept { key system code display } } } }
      pageInfo { hasNextPage endCursor } } } }`;

shell('Patient journey');
patientNav();

const status = document.getElementById('status');
const timeline = document.getElementById('timeline');
let patient;
let events = [];
let visible = [];
let selected = params().get('event');
let chart;

ready(busy(status, timeline, async () => {
  let after = null;
  do {
    const data = await graphql(PAGE, { id: patientId, after });
    if (!data.patient) throw Object.assign(new Error(`There is no patient ${patientId}.`), { code: 'NOT_FOUND' });
    patient = data.patient;
    events.push(...data.patient.journey.edges.map((e) => e.node));
    after = data.patient.journey.pageInfo.hasNextPage ? data.patient.journey.pageInfo.endCursor : null;
  } while (after);
  document.getElementById('title').textContent = `Journey of ${patient.name || patient.id}`;
  document.title = `Journey of ${patient.name || patient.id} — CareGraph`;
  document.getElementById('demographics').replaceChildren(el('p', { class: 'lead', id: 'demographics-line' }, demographics(patient)));
  filters();
  render();
}, 'Loading the journey…').catch(shown));

function chosenTypes() {
  const wanted = params().get('types');
  return wanted ? wanted.split(',') : null;
}

/** One checkbox per event type present, with its symbol and count. */
function filters() {
  const present = [...new Set(events.map((e) => e.type))].sort((a, b) => Object.keys(EVENT_TYPES).indexOf(a) - Object.keys(EVENT_TYPES).indexOf(b));
  const wanted = chosenTypes();
  const form = document.getElementById('filters');
  form.replaceChildren(el('fieldset', {}, el('legend', {}, 'Event types'), el('div', { class: 'row' },
    present.map((type) => el('label', {},
      el('input', { type: 'checkbox', name: 'types', value: type, checked: !wanted || wanted.includes(type), onchange: changed }),
      ' ', typeIcon(type), ' ', `${EVENT_TYPES[type].label} (${events.filter((e) => e.type === type).length})`)))));
  function changed() {
    const on = [...form.querySelectorAll('input[name=types]:checked')].map((i) => i.value);
    setParams({ types: on.length === present.length ? null : on.join(',') || 'none' });
    render();
  }
}

function render() {
  const wanted = chosenTypes();
  visible = events.filter((e) => !wanted || wanted.includes(e.type));
  const dated = visible.filter((e) => e.time);
  const undated = visible.filter((e) => !e.time);
  document.getElementById('summary').replaceChildren(el('span', { id: 'event-count', 'data-count': visible.length, 'data-total': events.length },
    `${number(visible.length)} of ${number(events.length)} events`, undated.length ? `, ${number(undated.length)} without a time` : ''));
  chart = drawTimeline(dated);
  eventTable(document.getElementById('events'), dated, 'events', 'Events in time order');
  document.getElementById('undated-section').hidden = !undated.length;
  eventTable(document.getElementById('undated'), undated, 'undated', 'Events without a time');
  document.getElementById('events-export').replaceChildren(exportBar('events', `journey-${patientId}`, { data: () => ({ columns: CSV, rows: visible }) }));
  const pick = visible.find((e) => e.key === selected);
  if (pick) select(pick, false);
}

const CSV = [
  { label: 'time', text: (e) => e.time }, { label: 'end', text: (e) => e.end }, { label: 'type', text: (e) => e.type },
  { label: 'resource', text: (e) => e.key }, { label: 'display', text: (e) => e.display },
  { label: 'codes', text: (e) => e.concepts.map((c) => c.key).join(' ') },
  { label: 'values', text: (e) => e.values.map((v) => `${v.value} ${v.unit || ''}`.trim()).join('; ') },
  { label: 'status', text: (e) => e.status }, { label: 'encounter', text: (e) => e.encounter?.id },
  { label: 'mentions', text: (e) => e.mentions.map((m) => `${m.text}${m.negated ? ' (negated)' : ''}`).join('; ') },
];

function eventTable(container, rows, id, caption) {
  container.replaceChildren(table(caption, [
    { label: 'Time', value: (e) => e.time ? e.time.replace('T', ' ').slice(0, 16) : 'no time' },
    { label: 'Type', value: (e) => el('span', {}, typeIcon(e.type), ' ', EVENT_TYPES[e.type]?.label || e.type) },
    { label: 'Event', value: (e) => el('button', { type: 'button', class: 'secondary', 'data-key': e.key, onclick: () => select(e, true) }, e.display || e.key) },
    { label: 'Values', value: (e) => e.values.map((v) => `${number(v.value, 2)} ${v.unit || ''}`).join('; ') },
    { label: 'Status', value: (e) => e.status },
    { label: 'NLP mentions', value: (e) => mentionList(e.mentions, true) },
  ], rows, { id: `${id}-table`, 'data-count': rows.length }));
}

function mentionList(mentions, short) {
  if (!mentions.length) return '';
  return el('ul', { class: 'chips' }, mentions.slice(0, short ? 6 : mentions.length).map((m) => el('li', {},
    el('span', { class: m.negated ? 'negated' : null }, m.text), m.negated ? ' (negated)' : '',
    !short && m.concept?.display && m.concept.display !== m.text ? ` → ${m.concept.display}` : '',
    !short && m.certainty && m.certainty !== 'certain' ? ` · ${m.certainty}` : '',
    !short && m.experiencer && m.experiencer !== 'patient' ? ` · ${m.experiencer}` : '')),
  short && mentions.length > 6 ? el('li', {}, `+${mentions.length - 6} more`) : null);
}

/** Shows an event in the detail panel and on the timeline; `announce` also moves it into view. */
function select(event, announce) {
  selected = event.key;
  setParams({ event: event.key });
  const dl = el('dl', {},
    el('dt', {}, 'Type'), el('dd', {}, EVENT_TYPES[event.type]?.label || event.type, ` (${event.resourceType})`),
    el('dt', {}, 'What'), el('dd', { id: 'detail-display' }, event.display || '—'),
    el('dt', {}, 'When'), el('dd', {}, event.time ? event.time.replace('T', ' ') : 'no time recorded'),
    event.end ? [el('dt', {}, 'Until'), el('dd', {}, event.end.replace('T', ' '))] : null,
    event.status ? [el('dt', {}, 'Status'), el('dd', {}, event.status)] : null,
    el('dt', {}, 'Codes'), el('dd', {}, event.concepts.length ? el('ul', {}, event.concepts.map((c) => el('li', {}, conceptLabel(c)))) : '—'),
    event.values.length ? [el('dt', {}, 'Values'), el('dd', {}, el('ul', {}, event.values.map((v) =>
      el('li', {}, `${v.concept.display || v.concept.code}: ${number(v.value, 2)} ${v.unit || ''}`))))] : null,
    event.encounter ? [el('dt', {}, 'Encounter'), el('dd', {}, `Encounter/${event.encounter.id}`)] : null,
    el('dt', {}, 'Resource'), el('dd', {}, event.key),
    event.mentions.length ? [el('dt', {}, 'NLP mentions'), el('dd', {}, mentionList(event.mentions, false))] : null);
  document.getElementById('detail').replaceChildren(dl);
  chart?.highlight(event, announce);
}

/** The timeline: lanes by type, d3 zoom on time (mouse, touch, keyboard, buttons). Returns {highlight}. */
function drawTimeline(dated) {
  timeline.replaceChildren();
  const lanes = [...new Set(dated.map((e) => e.type))].sort((a, b) => Object.keys(EVENT_TYPES).indexOf(a) - Object.keys(EVENT_TYPES).indexOf(b));
  if (!dated.length) {
    timeline.append(el('p', { class: 'empty' }, 'No dated events to show.'));
    document.getElementById('zoom-bar').replaceChildren();
    document.getElementById('timeline-export').replaceChildren();
    return null;
  }
  const width = Math.max(640, timeline.clientWidth || 900);
  const lane = 36;
  const margin = { top: 30, right: 20, bottom: 10, left: 170 };
  const height = margin.top + lanes.length * lane + margin.bottom;
  const fg = colour('--fg');
  const grid = colour('--grid');
  const times = dated.map((e) => new Date(e.time));
  const [first, last] = d3.extent(times);
  const pad = Math.max((last - first) * 0.02, 86400000);
  const x = d3.scaleUtc().domain([new Date(+first - pad), new Date(+last + pad)]).range([margin.left, width - margin.right]);
  let xz = x;
  const y = (type) => margin.top + lanes.indexOf(type) * lane + lane / 2;

  const svg = d3.select(timeline).append('svg')
    .attr('viewBox', `0 0 ${width} ${height}`).attr('tabindex', 0).attr('role', 'group')
    .attr('aria-label', `Timeline of ${dated.length} events in ${lanes.length} lanes; arrow keys move between events, plus and minus zoom`)
    .attr('color', fg).attr('font-family', 'system-ui, sans-serif').attr('font-size', 12)
    .attr('id', 'timeline-svg');
  svg.append('rect').attr('width', width).attr('height', height).attr('fill', colour('--bg'));
  const clipId = 'timeline-clip';
  svg.append('clipPath').attr('id', clipId).append('rect')
    .attr('x', margin.left).attr('y', 0).attr('width', width - margin.left - margin.right).attr('height', height);
  const laneGroup = svg.append('g');
  lanes.forEach((type, i) => {
    const g = laneGroup.append('g').attr('transform', `translate(0,${margin.top + i * lane})`);
    g.append('line').attr('x1', margin.left).attr('x2', width - margin.right).attr('y1', lane).attr('y2', lane).attr('stroke', grid);
    g.append('path').attr('transform', `translate(12,${lane / 2})`).attr('d', d3.symbol(d3[EVENT_TYPES[type].symbol], 70)())
      .attr('fill', EVENT_TYPES[type].colour).attr('stroke', fg).attr('stroke-width', 0.75);
    g.append('text').attr('x', 24).attr('y', lane / 2).attr('dy', '0.35em').attr('fill', fg)
      .text(`${EVENT_TYPES[type].label} (${dated.filter((e) => e.type === type).length})`);
  });
  const axis = svg.append('g').attr('transform', `translate(0,${margin.top})`);
  const plot = svg.append('g').attr('clip-path', `url(#${clipId})`);
  const periods = plot.append('g');
  const marks = plot.append('g');
  const ring = plot.append('circle').attr('r', 10).attr('fill', 'none').attr('stroke', colour('--focus')).attr('stroke-width', 3)
    .attr('visibility', 'hidden');
  const withEnd = dated.filter((e) => e.end && e.end > e.time);
  const mark = marks.selectAll('g').data(dated).join('g').attr('class', 'event').attr('data-key', (e) => e.key)
    .style('cursor', 'pointer').on('click', (_, e) => select(e, false));
  mark.append('path').attr('d', (e) => d3.symbol(d3[EVENT_TYPES[e.type].symbol], 64)())
    .attr('fill', (e) => EVENT_TYPES[e.type].colour).attr('stroke', fg).attr('stroke-width', 0.6);
  // a note with negated mentions is marked with a struck "no" beside its symbol
  mark.filter((e) => e.mentions.some((m) => m.negated)).append('text').attr('x', 6).attr('y', -6).attr('font-size', 10)
    .attr('fill', fg).text('¬');
  mark.append('title').text((e) => `${e.display || e.key} — ${e.time.replace('T', ' ').slice(0, 16)}`
    + (e.values.length ? ` — ${e.values.map((v) => `${number(v.value, 2)} ${v.unit || ''}`).join('; ')}` : '')
    + (e.mentions.some((m) => m.negated) ? ` — ${e.mentions.filter((m) => m.negated).length} negated mentions` : ''));

  function draw() {
    axis.call(d3.axisTop(xz).ticks(Math.max(2, Math.floor((width - margin.left) / 110))).tickSizeOuter(0));
    axis.selectAll('.tick line').attr('y2', lanes.length * lane).attr('stroke', grid);
    mark.attr('transform', (e) => `translate(${xz(new Date(e.time))},${y(e.type)})`);
    periods.selectAll('rect').data(withEnd).join('rect')
      .attr('x', (e) => xz(new Date(e.time))).attr('y', (e) => y(e.type) - 3)
      .attr('width', (e) => Math.max(0, xz(new Date(e.end)) - xz(new Date(e.time)))).attr('height', 6)
      .attr('fill', (e) => EVENT_TYPES[e.type].colour).attr('opacity', 0.35);
    const on = dated.find((e) => e.key === selected);
    ring.attr('visibility', on ? 'visible' : 'hidden');
    if (on) ring.attr('cx', xz(new Date(on.time))).attr('cy', y(on.type));
  }

  let saving;
  let restoring = false;
  const zoom = d3.zoom().scaleExtent([1, 5000])
    .extent([[margin.left, 0], [width - margin.right, height]])
    .translateExtent([[margin.left, 0], [width - margin.right, height]])
    .filter((event) => event.type !== 'dblclick' && (!event.ctrlKey || event.type === 'wheel') && !event.button)
    .on('zoom', (event) => {
      xz = event.transform.rescaleX(x);
      draw();
      if (restoring) return; // the span came from the URL: it stays as written
      clearTimeout(saving);
      saving = setTimeout(() => {
        const whole = event.transform.k === 1;
        setParams({ from: whole ? null : xz.domain()[0].toISOString().slice(0, 10), to: whole ? null : xz.domain()[1].toISOString().slice(0, 10) });
      }, 250);
    });
  svg.call(zoom);
  const from = params().get('from');
  const to = params().get('to');
  if (from && to && Date.parse(to) > Date.parse(from)) {
    const k = (x.range()[1] - x.range()[0]) / (x(new Date(to)) - x(new Date(from)));
    restoring = true;
    svg.call(zoom.transform, d3.zoomIdentity.translate(margin.left - k * x(new Date(from)), 0).scale(k));
    restoring = false;
  } else {
    draw();
  }

  const ordered = dated;
  function step(delta) {
    const at = ordered.findIndex((e) => e.key === selected);
    const next = at < 0 ? (delta > 0 ? 0 : ordered.length - 1) : Math.min(ordered.length - 1, Math.max(0, at + delta));
    select(ordered[next], true);
  }
  // translateBy moves in zoomed units: divide screen pixels by the scale
  const pan = (pixels) => svg.call(zoom.translateBy, pixels / d3.zoomTransform(svg.node()).k, 0);
  const zoomBy = (factor) => svg.transition().duration(150).call(zoom.scaleBy, factor);
  const reset = () => svg.transition().duration(150).call(zoom.transform, d3.zoomIdentity);
  svg.on('keydown', (event) => {
    const actions = {
      ArrowRight: () => step(1), ArrowLeft: () => step(-1), Home: () => step(-ordered.length), End: () => step(ordered.length),
      '+': () => zoomBy(2), '=': () => zoomBy(2), '-': () => zoomBy(0.5), 0: reset,
      PageUp: () => pan((width - margin.left) / 5),
      PageDown: () => pan(-(width - margin.left) / 5),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
  document.getElementById('zoom-bar').replaceChildren(
    el('button', { type: 'button', class: 'secondary', onclick: () => zoomBy(2) }, 'Zoom in'),
    el('button', { type: 'button', class: 'secondary', onclick: () => zoomBy(0.5) }, 'Zoom out'),
    el('button', { type: 'button', class: 'secondary', onclick: reset }, 'Whole journey'),
    el('button', { type: 'button', class: 'secondary', id: 'previous-event', onclick: () => step(-1) }, 'Previous event'),
    el('button', { type: 'button', class: 'secondary', id: 'next-event', onclick: () => step(1) }, 'Next event'));
  document.getElementById('timeline-export').replaceChildren(exportBar('timeline', `journey-${patientId}`, {
    svg: () => svg.node(), data: () => ({ columns: CSV, rows: dated }) }));

  return {
    highlight(event, announce) {
      if (!event.time) return draw();
      const at = xz(new Date(event.time));
      if (announce && (at < margin.left || at > width - margin.right)) {
        pan((margin.left + (width - margin.right)) / 2 - at);
      }
      draw();
    },
  };
}

onSchemeChange(() => events.length && render());
