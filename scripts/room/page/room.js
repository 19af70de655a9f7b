// The room view: polls /api/room every two seconds and draws what it gets.
// The server computes everything (which lab, who is stuck, the common
// failure); this only renders, always through textContent, so a name is
// never markup. The join code comes from the address's #fragment, which
// browsers do not send to servers or put in Referer headers.
'use strict';

const POLL_MS = 2000;
const WORDS = { done: 'done', failing: 'failing', todo: 'to do', 'not run': 'not run' };
const MARKS = { done: '✓', failing: '✗', todo: '○', 'not run': '–' };
const CLASSES = { done: 'done', failing: 'failing', todo: 'todo', 'not run': 'notrun' };

let code = '';
let chosen = '';
let timer = 0;
let gen = 0; // a newer poll (the lab chooser, a new code) supersedes an older one

const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

function setText(id, text) {
  const e = $(id);
  if (e.textContent !== text) e.textContent = text;
}

// "45 s", "14 min", "1 h 5 min".
function ago(s) {
  if (s < 60) return s + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' min';
  return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
}

function showForm(message) {
  clearTimeout(timer);
  $('codeform').hidden = false;
  $('grid').hidden = true;
  setText('codeerr', message || '');
  setText('summary', 'Enter the join code to see the room.');
  $('code').focus();
}

function render(v) {
  $('codeform').hidden = true;
  setText('lab', v.lab ? '· ' + v.lab : '');
  document.title = (v.lab ? v.lab + ' · ' : '') + 'Room view';

  const on = v.rows.length;
  let summary = `${v.attendees} of at most ${v.max} in the room`;
  if (v.lab) summary += ` · ${on} on this lab`;
  if (v.waiting) summary += ` · ${v.waiting} joined, no lab yet`;
  setText('summary', summary);

  // The chooser: every lab someone is on, and the current choice.
  const sel = $('choose');
  const want = [['', 'the one most attendees are on']];
  for (const l of v.labs) want.push([l.name, `${l.name} (${l.count})`]);
  if (chosen && !v.labs.some((l) => l.name === chosen)) want.push([chosen, chosen + ' (0)']);
  const have = Array.from(sel.options, (o) => [o.value, o.textContent]);
  if (JSON.stringify(have) !== JSON.stringify(want)) {
    sel.replaceChildren(...want.map(([value, text]) => el('option', { value, text })));
  }
  sel.value = chosen;

  const fail = $('failing');
  fail.hidden = !v.failing;
  if (v.failing) {
    fail.replaceChildren('Most common failing test: ', el('code', { text: v.failing.name }),
      ` (${v.failing.count} of ${on})`);
  }
  const stuck = v.rows.filter((r) => r.stuck);
  const st = $('stuck');
  st.hidden = stuck.length === 0;
  if (stuck.length) {
    st.textContent = 'Stuck for 10 min or more: ' +
      stuck.map((r) => `${r.name} (step ${r.at}, ${ago(r.since)})`).join(', ');
  }

  $('empty').hidden = on > 0;
  $('grid').hidden = on === 0;
  if (on === 0) return;
  setText('caption', `Attendees by step in ${v.lab}, a row each, alphabetical`);

  const head = [el('th', { scope: 'col', text: 'Attendee' })];
  for (const s of v.steps) {
    head.push(el('th', { scope: 'col', class: 'step', 'data-step': s.n, title: s.title },
      el('span', { class: 'n', text: String(s.n) }),
      s.title ? el('span', { class: 't', text: s.title }) : null,
      el('span', { class: 'c', text: `${s.done}/${on} done` })));
  }
  head.push(el('th', { scope: 'col', text: 'Now on' }), el('th', { scope: 'col', text: 'Failing test' }));
  $('head').replaceChildren(...head);

  const rows = v.rows.map((r) => {
    const tr = el('tr', { 'data-attendee': r.name, class: r.stuck ? 'stuck' : '' },
      el('th', { scope: 'row' }, r.name, el('small', { text: 'last report ' + ago(r.seen) + ' ago' })));
    r.steps.forEach((status, i) => {
      const cls = 'cell ' + (CLASSES[status] || 'notrun') + (r.at === i + 1 ? ' here' : '');
      tr.append(el('td', { class: cls, 'data-status': status },
        el('span', { 'aria-hidden': 'true', text: MARKS[status] || '?' }),
        el('span', { class: 'sr', text: WORDS[status] || status })));
    });
    const at = r.at === 0 ? 'all done' : `step ${r.at} · ${ago(r.since)}`;
    tr.append(el('td', { class: 'at', text: at }));
    const test = el('td', { class: 'test' });
    if (r.build) test.append('does not build');
    else if (r.failing) test.append(el('code', { text: r.failing }));
    tr.append(test);
    return tr;
  });
  $('rows').replaceChildren(...rows);
}

async function poll() {
  const my = ++gen;
  clearTimeout(timer);
  if (!code) {
    showForm();
    return;
  }
  try {
    const url = '/api/room' + (chosen ? '?lab=' + encodeURIComponent(chosen) : '');
    const res = await fetch(url, { headers: { Authorization: 'Bearer ' + code }, cache: 'no-store' });
    const v = res.ok ? await res.json() : null;
    if (my !== gen) return;
    if (res.status === 401) {
      showForm('That is not this room’s join code.');
      return;
    }
    if (!res.ok) throw new Error(res.status + ' ' + (await res.text()).trim());
    render(v);
    setText('status', 'Updated ' + new Date().toLocaleTimeString() + ', every 2 s.');
  } catch (e) {
    if (my !== gen) return;
    setText('status', 'Cannot reach the room server (' + e.message + '); trying again.');
  }
  timer = setTimeout(poll, POLL_MS);
}

function start() {
  code = decodeURIComponent(location.hash.slice(1));
  $('joincmd').textContent = 'go run ./scripts/lab room join ' + location.host + ' ' + (code || 'CODE');
  poll();
}

document.addEventListener('DOMContentLoaded', () => {
  $('codeform').addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = $('code').value.trim(); // hashchange starts polling
  });
  $('choose').addEventListener('change', (e) => {
    chosen = e.target.value;
    poll();
  });
  window.addEventListener('hashchange', start);
  start();
});
