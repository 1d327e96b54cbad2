// The explorer page: one self-contained HTML file (inline style, script and data; a Content
// Security Policy that allows no request at all), which works from file:// and from the
// CLI's 127.0.0.1 server alike.
import type { ExploreData } from './explore-model.js';

/** JSON that can sit inside a <script> element: no `</script>`, no HTML comment openers. */
function embed(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const STYLE = `
:root { --held: #1f7a3a; --kept: #b36b00; --free: #e6e6e6; --unmapped: #7a1f1f; --touched: #1750c4; --fg: #111; --bg: #fff; --muted: #555; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0; padding: 12px 16px; }
h1 { font-size: 18px; margin: 0 0 4px; }
.meta { color: var(--muted); margin: 0 0 8px; }
.toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 8px 0; border-bottom: 1px solid #ccc; position: sticky; top: 0; background: var(--bg); z-index: 1; }
.toolbar button { font: inherit; padding: 4px 10px; }
.toolbar fieldset { border: 1px solid #ccc; padding: 2px 8px; margin: 0; }
.toolbar legend { font-size: 12px; color: var(--muted); }
#step-label { font-weight: 600; min-width: 18em; }
button:focus-visible, input:focus-visible, label:focus-within { outline: 3px solid var(--touched); outline-offset: 2px; }
#columns { display: flex; gap: 16px; align-items: flex-start; overflow-x: auto; padding-top: 12px; }
.profile { flex: 0 0 auto; min-width: 300px; max-width: 520px; border: 1px solid #ccc; border-radius: 6px; padding: 8px 10px; }
.profile[hidden] { display: none; }
.profile h2 { font-size: 16px; margin: 0; }
.profile .summary { color: var(--muted); font-size: 12px; margin: 2px 0 6px; }
.profile h3 { font-size: 13px; margin: 10px 0 4px; }
.effects { margin: 0; padding-left: 18px; }
.source { font-size: 12px; margin: 2px 0; }
.source code { background: #f3f3f3; padding: 0 3px; }
.grid { display: grid; gap: 2px; }
.row { display: flex; align-items: center; gap: 6px; }
.row .addr { font: 11px/1 ui-monospace, monospace; color: var(--muted); width: 11em; }
.cells { display: flex; gap: 1px; }
.cell { width: 12px; height: 12px; border: 1px solid #999; }
.cell.f { background: var(--free); }
.cell.h { background: var(--held); }
.cell.k { background: var(--kept); }
.cell.u { background: var(--unmapped); }
.cell.t { outline: 2px solid var(--touched); outline-offset: 0; }
.chips { display: flex; flex-wrap: wrap; gap: 3px; font: 11px ui-monospace, monospace; }
.chip { border: 1px solid #999; border-radius: 3px; padding: 0 3px; }
.chip.next { border-color: var(--touched); font-weight: 700; }
.real { font: 12px/1.2 ui-monospace, monospace; white-space: pre; background: #f7f7f7; padding: 4px; margin: 0; }
.legend { display: flex; gap: 12px; flex-wrap: wrap; font-size: 12px; color: var(--muted); margin-top: 8px; }
.legend span { display: inline-flex; align-items: center; gap: 4px; }
#oracle-status { font-size: 12px; color: var(--muted); }
.sr { position: absolute; left: -9999px; }
`;

/** The page's script: draws the data, steps, toggles profiles, loads an oracle trace. No network. */
const SCRIPT = `
(() => {
  const data = JSON.parse(document.getElementById('explorer-data').textContent);
  const state = { step: 0, oracle: null };
  const steps = Math.max(...data.profiles.map((p) => p.steps.length));
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === 'class') node.className = value; else if (key === 'text') node.textContent = value; else node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  };
  const slider = $('step');
  slider.max = String(steps - 1);
  const columns = $('columns');
  const toggles = $('toggles');
  data.profiles.forEach((profile, index) => {
    const id = 'show-' + profile.name;
    const box = el('input', { type: 'checkbox', id, 'data-profile': profile.name });
    box.checked = true;
    box.addEventListener('change', () => { render(); });
    toggles.append(el('label', { for: id, title: 'key ' + (index + 1) }, box, document.createTextNode(' ' + profile.name + ' ')));
    columns.append(el('section', { class: 'profile', id: 'profile-' + profile.name, 'aria-label': profile.name }));
  });
  const go = (step) => { state.step = Math.max(0, Math.min(steps - 1, step)); render(); };
  $('first').addEventListener('click', () => go(0));
  $('back').addEventListener('click', () => go(state.step - 1));
  $('forward').addEventListener('click', () => go(state.step + 1));
  $('last').addEventListener('click', () => go(steps - 1));
  slider.addEventListener('input', () => go(Number(slider.value)));
  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement && event.target.type === 'file') return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const keys = { ArrowLeft: () => go(state.step - 1), ArrowRight: () => go(state.step + 1), Home: () => go(0), End: () => go(steps - 1) };
    if (keys[event.key] && !(event.target === slider && (event.key === 'ArrowLeft' || event.key === 'ArrowRight'))) { event.preventDefault(); keys[event.key](); return; }
    const digit = Number(event.key);
    if (Number.isInteger(digit) && digit >= 1 && digit <= data.profiles.length) {
      const box = toggles.querySelectorAll('input')[digit - 1];
      box.checked = !box.checked;
      render();
    }
  });
  $('oracle').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      const report = JSON.parse(await file.text());
      const list = (Array.isArray(report) ? report : [report]).filter((entry) => entry && Array.isArray(entry.steps) && typeof entry.profile === 'string');
      if (list.length === 0) throw new Error('no scenario comparison in it; make one with npm run oracle -- --scenario ... --json');
      state.oracle = new Map(list.map((entry) => [entry.profile, entry]));
      const other = list.filter((entry) => entry.scenario !== data.scenario).map((entry) => entry.profile + ' ran ' + entry.scenario);
      $('oracle-status').textContent = 'loaded: ' + list.map((entry) => entry.implementation + ' (' + entry.profile + ')').join(', ') + (other.length ? '; not this scenario: ' + other.join('; ') : '');
    } catch (error) {
      state.oracle = null;
      $('oracle-status').textContent = 'could not load that file: ' + error.message;
    }
    render();
  });
  function drawProfile(profile, section) {
    const step = profile.steps[Math.min(state.step, profile.steps.length - 1)];
    section.replaceChildren();
    section.append(el('h2', { text: profile.name }), el('p', { class: 'summary', text: profile.summary + ' · stride ' + profile.stride + ' B, ' + profile.statesPerPage + ' a page' }));
    section.append(el('h3', { text: 'This step: ' + step.label }));
    const effects = el('ul', { class: 'effects' });
    for (const line of step.effects) effects.append(el('li', { text: line }));
    section.append(effects);
    if (step.sources.length) {
      section.append(el('h3', { text: 'Decided by' }));
      for (const source of step.sources) section.append(el('p', { class: 'source' }, el('code', { text: source.file }), document.createTextNode(' '), el('code', { text: source.func }), document.createTextNode(' (' + source.version + '): ' + source.says)));
    }
    section.append(el('h3', { text: 'Pages, in mapping order' }));
    const grid = el('div', { class: 'grid', 'data-grid': profile.name });
    for (const page of step.pages) {
      const cells = el('div', { class: 'cells' });
      [...page.slots].forEach((mark, slot) => {
        const owner = page.owners[slot];
        const touched = step.touched === page.chunk + ':' + page.page + ':' + slot;
        const what = { f: 'free', h: 'held by ' + (owner === 0 ? 'the main thread' : 't' + owner), k: 'kept by t' + owner + ', which ended', u: 'unmapped' }[mark];
        cells.append(el('span', { class: 'cell ' + mark + (touched ? ' t' : ''), title: 'chunk ' + page.chunk + ' page ' + page.page + ' slot ' + slot + ': ' + what, 'data-slot': mark }));
      });
      grid.append(el('div', { class: 'row' }, el('span', { class: 'addr', text: 'c' + page.chunk + 'p' + page.page + ' ' + page.address }), cells));
    }
    section.append(grid);
    section.append(el('h3', { text: 'Free list, in hand-out order (' + step.freeCount + ')' }));
    const chips = el('div', { class: 'chips', 'data-free': profile.name });
    step.freeList.forEach((label, index) => chips.append(el('span', { class: 'chip' + (index === 0 ? ' next' : ''), text: label })));
    if (step.freeCount > step.freeList.length) chips.append(el('span', { text: '… ' + (step.freeCount - step.freeList.length) + ' more' }));
    section.append(chips);
    if (step.pointerArray) section.append(el('p', { class: 'source', text: "glibc's pointer array grnd_alloc.states: len " + step.pointerArray.len + ', cap ' + step.pointerArray.cap + ' (the next state is states[len - 1])' }));
    if (step.slice) section.append(el('p', { class: 'source', text: "Go's slice vgetrandomAlloc.states: len " + step.slice.len + ' (the next state is the last element; append grows it)' }));
    const real = state.oracle && state.oracle.get(profile.name);
    if (real) {
      const at = real.steps[state.step];
      section.append(el('h3', { text: 'Real ' + real.implementation + ' (oracle), same step' }));
      section.append(el('pre', { class: 'real', 'data-real': profile.name, text: at ? at.real.pages.join('\\n') + (at.same ? '\\n= the profile' : '\\n≠ the profile') : '(the trace has no such step)' }));
    }
  }
  function render() {
    slider.value = String(state.step);
    $('step-label').textContent = 'Step ' + state.step + ' of ' + (steps - 1) + ': ' + (data.profiles[0].steps[state.step] || {}).label;
    $('first').disabled = $('back').disabled = state.step === 0;
    $('forward').disabled = $('last').disabled = state.step === steps - 1;
    for (const box of toggles.querySelectorAll('input')) {
      const profile = data.profiles.find((p) => p.name === box.dataset.profile);
      const section = $('profile-' + profile.name);
      section.hidden = !box.checked;
      if (box.checked) drawProfile(profile, section);
    }
  }
  render();
})();
`;

/** The whole page for `data`. */
export function explorePage(data: ExploreData): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vgetrandom explorer: ${data.scenario.replace(/[<&]/g, '')}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>How C libraries hand out vgetrandom states, step by step</h1>
<p class="meta">Scenario <code>${data.scenario.replace(/[<&]/g, '')}</code> after the main thread's first call · ${data.stateSize}-byte states · ${data.pageSize}-byte pages · simulated pages, one profile a column. Keys: ← → step, Home/End first/last, 1–${data.profiles.length} show or hide a profile.</p>
<div class="toolbar" role="toolbar" aria-label="Steps and profiles">
  <button id="first" type="button" aria-keyshortcuts="Home">◀◀ First</button>
  <button id="back" type="button" aria-keyshortcuts="ArrowLeft">◀ Back</button>
  <button id="forward" type="button" aria-keyshortcuts="ArrowRight">Forward ▶</button>
  <button id="last" type="button" aria-keyshortcuts="End">Last ▶▶</button>
  <label for="step" class="sr">Step</label><input id="step" type="range" min="0" value="0" step="1">
  <span id="step-label" aria-live="polite"></span>
  <fieldset id="toggles"><legend>Profiles</legend></fieldset>
  <label>Oracle trace (JSON from <code>npm run oracle -- --scenario … --json</code>): <input id="oracle" type="file" accept=".json,application/json"></label>
  <span id="oracle-status" aria-live="polite"></span>
</div>
<main id="columns"></main>
<div class="legend" aria-label="Legend">
  <span><span class="cell h"></span> held by a running thread</span>
  <span><span class="cell k"></span> kept after its thread ended (never returned)</span>
  <span><span class="cell f"></span> free</span>
  <span><span class="cell u"></span> unmapped</span>
  <span><span class="cell f t"></span> taken or given back in this step</span>
</div>
<script type="application/json" id="explorer-data">${embed(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
