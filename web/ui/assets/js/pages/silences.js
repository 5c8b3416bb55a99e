// Silences: the list (active, pending, expired), one silence with the
// alerts it mutes, and the form that creates or edits one with a live
// preview of the alerts it would mute (POST /api/v2/silences/preview).
// Everything goes through Alertmanager's API v2, so what works here works
// with amtool and back.
import {h, replace, preserve} from '../dom.js';
import {get, post, del} from '../api.js';
import {timeEl, parseTime, absTime, localInput, parseDuration, msDuration} from '../format.js';
import * as M from '../matchers.js';
import {labelChips, empty, props, sevBadge} from '../widgets.js';
import {confirmDialog, showError, remembered, remember} from '../dialogs.js';

const STATES = ['active', 'pending', 'expired'];
const SHORTCUTS = ['1h', '2h', '4h', '8h', '1d', '3d', '1w'];

export function mount(ctx) {
  const [, id, sub] = ctx.segments;
  if (id === 'new') return form(ctx, null);
  if (id && sub === 'edit') return form(ctx, id);
  if (id) return detail(ctx, id);
  return list(ctx);
}

function matcherChips(ms) {
  return h('ul', {class: 'labels chips-wrap'}, ms.map(m => h('li', null, h('span', {class: 'chip', title: M.format(M.fromAPI(m))}, M.format(M.fromAPI(m))))));
}

function stateBadge(state) {
  const cls = {active: 'badge ok', pending: 'badge info', expired: 'badge mute'}[state] || 'badge mute';
  return h('span', {class: cls, 'data-state': state}, state);
}

// mutedCounts counts, per silence ID, the firing alerts it mutes now.
async function mutedBy() {
  const alerts = await get('/api/v2/alerts');
  const m = new Map();
  for (const a of alerts) for (const id of a.status.silencedBy || []) m.set(id, [...(m.get(id) || []), a]);
  return m;
}

function recreateHash(ctx, s) {
  return ctx.hashFor(['silences', 'new'], [...s.matchers.map(m => ['matcher', M.format(M.fromAPI(m))]), ['comment', s.comment]]);
}

async function expire(s, done, errEl) {
  const ok = await confirmDialog('Expire this silence?', `The ${s.matchers.length} matcher(s) stop muting at once: ${s.matchers.map(m => M.format(M.fromAPI(m))).join(', ')}`, 'Expire', true);
  if (!ok) return;
  try {
    await del('/api/v2/silence/' + encodeURIComponent(s.id));
    done();
  } catch (ex) {
    showError(errEl, ex, 'Expiring the silence');
  }
}

function list(ctx) {
  const state = STATES.includes(ctx.params.get('state')) ? ctx.params.get('state') : 'active';
  const tabs = h('nav', {class: 'tabs', 'aria-label': 'Silence states'});
  const errEl = h('div');
  const results = h('div', {id: 'silence-list'});
  ctx.main.append(
    h('div', {class: 'toolbar'}, h('h1', {class: 'grow'}, 'Silences'), h('a', {class: 'button primary', href: ctx.hashFor(['silences', 'new'])}, 'New silence')),
    tabs, errEl, results);

  async function update() {
    const [sils, muted] = await Promise.all([get('/api/v2/silences'), mutedBy()]);
    const counts = Object.fromEntries(STATES.map(s => [s, sils.filter(x => x.status.state === s).length]));
    replace(tabs, STATES.map(s => h('a', {href: ctx.hashFor(['silences'], [['state', s]]), 'aria-current': s === state ? 'true' : 'false'},
      `${s[0].toUpperCase()}${s.slice(1)} (${counts[s]})`)));
    const shown = sils.filter(x => x.status.state === state);
    preserve(results, () => replace(results, shown.length ? shown.map(s => card(s, muted.get(s.id) || [])) : empty(`No ${state} silence.`)));
  }

  function card(s, alerts) {
    const st = s.status.state;
    return h('section', {class: 'card silence', 'data-silence-id': s.id, 'aria-label': 'Silence ' + s.id},
      h('header', null,
        h('div', {class: 'title'}, stateBadge(st), matcherChips(s.matchers)),
        h('div', {class: 'actions'},
          h('a', {class: 'button small', href: ctx.hashFor(['silences', s.id])}, 'View'),
          st !== 'expired' ? h('a', {class: 'button small', href: ctx.hashFor(['silences', s.id, 'edit'])}, 'Edit') : null,
          st !== 'expired' ? h('button', {type: 'button', class: 'small danger', 'data-action': 'expire', 'data-key': 'exp' + s.id,
            onclick: () => expire(s, update, errEl)}, 'Expire') : null,
          st === 'expired' ? h('a', {class: 'button small', href: recreateHash(ctx, s)}, 'Recreate') : null)),
      h('div', {class: 'body'},
        props([
          ['Mutes now', st === 'active' ? h('span', {'data-muted-count': alerts.length}, `${alerts.length} firing ${alerts.length === 1 ? 'alert' : 'alerts'}`) : null],
          ['Created by', s.createdBy],
          ['Comment', s.comment],
          ['Starts', [timeEl(s.startsAt), ' (', absTime(parseTime(s.startsAt)), ')']],
          ['Ends', [timeEl(s.endsAt), ' (', absTime(parseTime(s.endsAt)), ')', s.untilResolved ? ', or when its alerts resolve' : '']],
        ])));
  }
  return {title: 'Silences', update};
}

function detail(ctx, id) {
  const errEl = h('div');
  const body = h('div', {id: 'silence-detail'});
  ctx.main.append(h('p', null, h('a', {href: ctx.hashFor(['silences'])}, '← Silences')), errEl, body);
  async function update() {
    let s;
    try {
      s = await get('/api/v2/silence/' + encodeURIComponent(id));
    } catch (ex) {
      if (ex.status === 404) {
        replace(body, h('h1', null, 'Silence not found'), h('p', null, `No silence has the ID ${id} (expired silences are deleted after their retention).`));
        return;
      }
      throw ex;
    }
    const st = s.status.state;
    let alerts;
    if (st === 'active') {
      alerts = (await mutedBy()).get(s.id) || [];
    } else {
      alerts = (await post('/api/v2/silences/preview', {matchers: s.matchers})).alerts;
    }
    const replaced = ctx.params.get('replaced');
    preserve(body, () => replace(body,
      replaced ? h('p', {class: 'notice', id: 'silence-replaced'}, 'As in Alertmanager, the edit expired silence ', h('a', {href: ctx.hashFor(['silences', replaced])}, replaced),
        ' and created this one: it changed what an active silence had already muted (its matchers or start).') : null,
      h('div', {class: 'toolbar'},
        h('h1', {class: 'grow'}, 'Silence ', h('code', null, s.id), ' ', stateBadge(st)),
        h('div', {class: 'actions'},
          st !== 'expired' ? h('a', {class: 'button', href: ctx.hashFor(['silences', s.id, 'edit'])}, 'Edit') : null,
          st !== 'expired' ? h('button', {type: 'button', class: 'danger', 'data-action': 'expire', onclick: () => expire(s, update, errEl)}, 'Expire') : null,
          st === 'expired' ? h('a', {class: 'button', href: recreateHash(ctx, s)}, 'Recreate') : null)),
      h('section', {class: 'card'}, h('div', {class: 'body'}, props([
        ['Matchers', matcherChips(s.matchers)],
        ['Created by', s.createdBy],
        ['Comment', s.comment],
        ['Starts', [timeEl(s.startsAt), ' (', absTime(parseTime(s.startsAt)), ')']],
        ['Ends', [timeEl(s.endsAt), ' (', absTime(parseTime(s.endsAt)), ')']],
        ['Until resolved', s.untilResolved ? 'yes: expires once none of the alerts it matched is firing' : 'no'],
        ['Updated', timeEl(s.updatedAt)],
      ]))),
      h('h2', null, st === 'active' ? `Mutes ${alerts.length} firing ${alerts.length === 1 ? 'alert' : 'alerts'} now` : `${alerts.length} firing ${alerts.length === 1 ? 'alert matches' : 'alerts match'} its matchers now`),
      alertList(alerts)));
  }
  return {title: 'Silence', update};
}

function alertList(alerts) {
  if (!alerts.length) return empty('None.');
  return h('ul', {class: 'card alert-list'}, alerts.map(a => h('li', {class: 'alert', 'data-alertname': a.labels.alertname || ''},
    h('div', {class: 'main'}, h('div', {class: 'head'}, sevBadge(a.labels.severity), h('span', {class: 'name'}, a.labels.alertname || '')),
      labelChips(a.labels, {exclude: ['alertname', 'severity']})))));
}

// form creates (id null) or edits a silence.
function form(ctx, id) {
  const rows = h('div', {id: 'matcher-rows'});
  const start = h('input', {type: 'datetime-local', id: 'sil-start', required: true});
  const duration = h('input', {type: 'text', id: 'sil-duration', value: '2h', required: true, spellcheck: 'false', 'aria-describedby': 'sil-duration-hint'});
  const end = h('input', {type: 'datetime-local', id: 'sil-end', required: true});
  const untilResolved = h('input', {type: 'checkbox', id: 'sil-until-resolved'});
  const who = h('input', {type: 'text', id: 'sil-by', required: true, value: remembered('name'), autocomplete: 'name'});
  const comment = h('textarea', {id: 'sil-comment', required: true, rows: 3});
  const err = h('div', {id: 'silence-form-error'});
  const preview = h('section', {class: 'preview card', id: 'silence-preview', 'aria-live': 'polite', 'aria-label': 'Alerts this silence would mute'});
  const submit = h('button', {type: 'submit', class: 'primary'}, id ? 'Save' : 'Create silence');
  const note = h('div');
  let orig = null; // the silence being edited
  let origStart = '', origEnd = '';

  const now = new Date();
  start.value = localInput(now);
  end.value = localInput(new Date(now.getTime() + 2 * 3600e3));

  const matcherRow = m => {
    const name = h('input', {type: 'text', class: 'name', value: m.name, 'aria-label': 'Label name', placeholder: 'label', spellcheck: 'false'});
    const op = h('select', {class: 'op', 'aria-label': 'Operator'}, M.OPS.map(o => h('option', {value: o, selected: o === m.op}, o)));
    const val = h('input', {type: 'text', class: 'value', value: m.value, 'aria-label': 'Value', placeholder: 'value', spellcheck: 'false'});
    const row = h('div', {class: 'matcher-row'}, name, op, val,
      h('button', {type: 'button', class: 'small', 'aria-label': 'Remove this matcher', onclick: () => { row.remove(); schedulePreview(); }}, '✕'));
    for (const el of [name, op, val]) el.addEventListener('input', schedulePreview);
    return row;
  };
  const readMatchers = () => [...rows.querySelectorAll('.matcher-row')].map(r => ({
    name: r.querySelector('.name').value.trim(), op: r.querySelector('.op').value, value: r.querySelector('.value').value,
  })).filter(m => m.name);

  const setEndFromDuration = () => {
    const ms = parseDuration(duration.value);
    const s = new Date(start.value);
    if (!isNaN(ms) && !isNaN(s)) end.value = localInput(new Date(s.getTime() + ms));
  };
  const setDurationFromEnd = () => {
    const s = new Date(start.value), e = new Date(end.value);
    if (!isNaN(s) && !isNaN(e) && e > s) duration.value = msDuration(e - s);
  };
  duration.addEventListener('input', setEndFromDuration);
  start.addEventListener('input', setEndFromDuration);
  end.addEventListener('input', setDurationFromEnd);

  let timer = null;
  let seq = 0;
  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(runPreview, 300);
  }
  async function runPreview() {
    const my = ++seq;
    const ms = readMatchers();
    if (!ms.length) {
      replace(preview, h('div', {class: 'body'}, h('p', {class: 'muted'}, 'Add a matcher to see the alerts this silence would mute.')));
      return;
    }
    try {
      const res = await post('/api/v2/silences/preview', {matchers: ms.map(M.toAPI)});
      if (my !== seq) return;
      const alerts = res.alerts || [];
      preserve(preview, () => replace(preview,
        h('header', null, h('h2', {id: 'preview-title'}, `Would mute ${alerts.length} firing ${alerts.length === 1 ? 'alert' : 'alerts'} now`)),
        alerts.length ? alertList(alerts) : h('div', {class: 'body'}, h('p', {class: 'muted'}, 'No firing alert matches (it will mute matching alerts that fire while it is active).'))));
    } catch (ex) {
      if (my !== seq) return;
      if (ex.status === 400 || ex.status === 422) {
        replace(preview, h('div', {class: 'body'}, h('p', {class: 'error-text', role: 'alert'}, 'These matchers are not valid: ' + ex.message)));
      } else {
        showError(preview, ex, 'The preview');
      }
    }
  }

  const isoOf = (input, origLocal, origISO) => input.value === origLocal && origISO ? origISO : new Date(input.value).toISOString();

  async function save(e) {
    e.preventDefault();
    const ms = readMatchers();
    if (!ms.length) {
      replace(err, h('p', {class: 'notice error', role: 'alert'}, 'A silence needs at least one matcher.'));
      return;
    }
    if (isNaN(new Date(start.value)) || isNaN(new Date(end.value))) {
      replace(err, h('p', {class: 'notice error', role: 'alert'}, 'Start and end must be dates.'));
      return;
    }
    const body = {
      matchers: ms.map(M.toAPI),
      startsAt: isoOf(start, origStart, orig && orig.startsAt),
      endsAt: isoOf(end, origEnd, orig && orig.endsAt),
      createdBy: who.value.trim(),
      comment: comment.value.trim(),
      untilResolved: untilResolved.checked,
    };
    if (id) body.id = id;
    submit.disabled = true;
    try {
      const res = await post('/api/v2/silences', body);
      remember('name', body.createdBy);
      ctx.navigate(ctx.hashFor(['silences', res.silenceID], id && res.silenceID !== id ? [['replaced', id]] : []));
    } catch (ex) {
      showError(err, ex, id ? 'Saving the silence' : 'Creating the silence');
    } finally {
      submit.disabled = false;
    }
  }

  ctx.main.append(
    h('p', null, h('a', {href: ctx.hashFor(['silences'])}, '← Silences')),
    h('h1', null, id ? 'Edit silence' : 'New silence'),
    note,
    h('form', {id: 'silence-form', onsubmit: save, novalidate: false},
      h('fieldset', {class: 'card body'},
        h('legend', null, 'Matchers'),
        h('p', {class: 'hint'}, 'An alert is silenced when every matcher matches its labels. Regular expressions are anchored (RE2).'),
        rows,
        h('button', {type: 'button', class: 'small', onclick: () => { rows.append(matcherRow({name: '', op: '=', value: ''})); rows.lastChild.querySelector('.name').focus(); }}, 'Add matcher')),
      h('div', {class: 'form-grid'},
        h('div', null, h('label', {for: 'sil-start'}, 'Starts'), start),
        h('div', null, h('label', {for: 'sil-duration'}, 'Duration'), duration,
          h('div', {class: 'shortcuts', role: 'group', 'aria-label': 'Duration shortcuts'},
            SHORTCUTS.map(d => h('button', {type: 'button', class: 'small', onclick: () => { duration.value = d; setEndFromDuration(); }}, d))),
          h('p', {class: 'hint', id: 'sil-duration-hint'}, 'e.g. 90m, 2h, 1d, 1w')),
        h('div', null, h('label', {for: 'sil-end'}, 'Ends'), end)),
      h('p', null, h('label', {class: 'inline', for: 'sil-until-resolved'}, untilResolved, 'Also expire it once none of the alerts it matched is firing (until resolved)')),
      h('div', {class: 'form-grid'},
        h('div', null, h('label', {for: 'sil-by'}, 'Created by'), who)),
      h('label', {for: 'sil-comment'}, 'Comment'), comment,
      err,
      h('div', {class: 'actions'}, submit, h('a', {class: 'button', href: ctx.hashFor(['silences'])}, 'Cancel'))),
    preview);

  async function init() {
    replace(rows);
    if (id) {
      const s = await get('/api/v2/silence/' + encodeURIComponent(id));
      orig = s;
      for (const m of s.matchers) rows.append(matcherRow(M.fromAPI(m)));
      origStart = localInput(new Date(s.startsAt));
      origEnd = localInput(new Date(s.endsAt));
      start.value = origStart;
      end.value = origEnd;
      setDurationFromEnd();
      who.value = s.createdBy;
      comment.value = s.comment;
      untilResolved.checked = !!s.untilResolved;
      if (s.status.state === 'active') {
        replace(note, h('p', {class: 'notice'}, 'This silence is active. As in Alertmanager, changing its matchers or its start expires it and creates a new silence with a new ID; moving its end or changing the comment keeps it.'));
      } else if (s.status.state === 'expired') {
        replace(note, h('p', {class: 'notice'}, 'This silence has expired: saving creates a new one.'));
        orig = null;
      }
    } else {
      const ms = ctx.params.getAll('matcher').flatMap(t => {
        try {
          return M.parse(t);
        } catch (_) {
          return [];
        }
      });
      for (const m of ms.length ? ms : [{name: '', op: '=', value: ''}]) rows.append(matcherRow(m));
      if (ctx.params.get('comment')) comment.value = ctx.params.get('comment');
    }
    await runPreview();
    const first = (who.value ? comment : who);
    if (!id && ctx.params.getAll('matcher').length) first.focus({preventScroll: true});
  }
  let ready = false;
  return {
    title: id ? 'Edit silence' : 'New silence',
    // The form is the user's: refreshes only re-run the preview.
    update: async () => {
      if (ready) return runPreview();
      await init();
      ready = true;
    },
  };
}
