// Alerts: the firing alerts in the groups the dispatcher forms
// (GET /api/v2/alerts/groups), with who acknowledged them
// (/api/v1/acknowledgements), the silences muting them (/api/v2/silences),
// their values and the pending alerts (/api/v1/alerts). Filtered with
// Alertmanager matchers kept in the URL (#/alerts?filter=...).
import {h, replace, preserve, externalLink} from '../dom.js';
import {get, post, del, query} from '../api.js';
import {timeEl, parseTime, relative, absTime, value, sevRank, span} from '../format.js';
import * as M from '../matchers.js';
import {labelChips, sevBadge, empty} from '../widgets.js';
import {modal, confirmDialog, showError, remembered, remember} from '../dialogs.js';

const ACK_DURATIONS = [['', 'Until resolved'], ['30m', '30 minutes'], ['1h', '1 hour'], ['2h', '2 hours'], ['4h', '4 hours'], ['8h', '8 hours'], ['24h', '24 hours']];

export function mount(ctx) {
  const {params, main, navigate, hashFor} = ctx;
  const filterText = params.get('filter') || '';
  const hideMuted = params.get('muted') === 'hide';
  const setFilter = (text, hide = hideMuted) => navigate(hashFor(['alerts'], [['filter', text.trim()], ['muted', hide ? 'hide' : '']]));

  const input = h('input', {type: 'text', id: 'filter', name: 'filter', value: filterText, 'data-key': 'filter',
    placeholder: 'severity="critical", team=~"db.*"', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'filter-hint'});
  const hide = h('input', {type: 'checkbox', id: 'hide-muted', checked: hideMuted, onchange: () => setFilter(input.value, hide.checked)});
  const filterError = h('div', {id: 'filter-error'});
  const summary = h('p', {class: 'summary', id: 'alerts-summary', 'aria-live': 'polite'});
  const results = h('div', {id: 'alert-groups'});
  main.append(
    h('h1', null, 'Alerts'),
    h('form', {class: 'toolbar', role: 'search', onsubmit: e => { e.preventDefault(); setFilter(input.value); }},
      h('div', {class: 'grow'},
        h('label', {for: 'filter'}, 'Filter with Alertmanager matchers'),
        input,
        h('p', {class: 'hint', id: 'filter-hint'}, 'Comma-separated, as in Alertmanager: name="value", name!="value", name=~"regex", name!~"regex". Click a label to add it.')),
      h('div', {class: 'actions'},
        h('button', {type: 'submit', class: 'primary'}, 'Apply'),
        filterText ? h('button', {type: 'button', onclick: () => setFilter('')}, 'Clear') : null),
      h('label', {class: 'inline', for: 'hide-muted'}, hide, 'Hide silenced, inhibited and muted')),
    filterError, summary, results);

  let matchers = [];
  try {
    matchers = M.parse(filterText);
  } catch (e) {
    replace(filterError, h('p', {class: 'notice error', role: 'alert'}, 'Bad filter: ' + e.message));
    matchers = null;
  }

  const addToFilter = (name, val) => {
    const cur = matchers || [];
    if (cur.some(m => m.name === name && m.op === '=' && m.value === val)) return;
    setFilter(M.formatAll([...cur, {name, op: '=', value: val}]));
  };

  async function update() {
    if (matchers === null) return;
    const filters = matchers.map(m => ['filter', M.format(m)]);
    const suppressed = hideMuted ? [['silenced', 'false'], ['inhibited', 'false'], ['muted', 'false']] : [];
    let groups;
    try {
      groups = await get('/api/v2/alerts/groups' + query([...filters, ...suppressed]));
    } catch (e) {
      if (e.status === 400) {
        replace(filterError, h('p', {class: 'notice error', role: 'alert'}, 'Bad filter: ' + e.message));
        replace(results);
        return;
      }
      throw e;
    }
    const [v1, acks, sils] = await Promise.all([get('/api/v1/alerts'), get('/api/v1/acknowledgements'), get('/api/v2/silences')]);
    const pending = (v1.alerts || []).filter(a => a.state === 'pending' && M.matchesAll(matchers, a.labels || {}));
    let forByName = {};
    if (pending.length) {
      const rs = await get('/api/v1/rules?type=alert&exclude_alerts=true');
      for (const g of rs.groups) for (const r of g.rules) forByName[r.name] = forByName[r.name] === undefined ? r.duration || 0 : null;
    }
    replace(filterError);
    const data = {
      groups,
      pending,
      forByName,
      values: new Map((v1.alerts || []).map(a => [a.fingerprint, a.value])),
      names: new Map((v1.alerts || []).map(a => [a.fingerprint, a.labels.alertname || a.fingerprint])),
      acks: ackIndex(acks),
      silences: new Map(sils.map(s => [s.id, s])),
    };
    preserve(results, () => render(data));
  }

  function render(d) {
    const firing = new Map();
    for (const g of d.groups) for (const a of g.alerts) firing.set(a.fingerprint, a);
    const nAck = [...firing.keys()].filter(fp => d.acks.has(fp)).length;
    const nSup = [...firing.values()].filter(a => a.status.state === 'suppressed').length;
    replace(summary, `${firing.size} firing ${firing.size === 1 ? 'alert' : 'alerts'} in ${d.groups.length} ${d.groups.length === 1 ? 'group' : 'groups'}`,
      nAck ? ` · ${nAck} acknowledged` : '', nSup ? ` · ${nSup} silenced, inhibited or muted` : '',
      ` · ${d.pending.length} pending`);
    const groups = [...d.groups].sort((x, y) => groupRank(x, d) - groupRank(y, d) || y.alerts.length - x.alerts.length ||
      x.receiver.name.localeCompare(y.receiver.name) || JSON.stringify(x.labels).localeCompare(JSON.stringify(y.labels)));
    const out = groups.map(g => groupCard(g, d));
    if (!groups.length) out.push(empty(matchers.length ? 'No firing alert matches the filter.' : 'Nothing is firing.'));
    if (d.pending.length) {
      out.push(h('section', {class: 'card', 'aria-label': 'Pending alerts', id: 'pending'},
        h('header', null, h('div', {class: 'title'}, h('h2', null, `Pending (${d.pending.length})`),
          h('span', {class: 'muted'}, 'active but not yet firing for their rule\'s "for"'))),
        [...d.pending].sort((a, b) => (a.activeAt || '').localeCompare(b.activeAt || '')).map(a => pendingRow(a, d))));
    }
    replace(results, out);
  }

  function groupCard(g, d) {
    const fps = g.alerts.map(a => a.fingerprint);
    const unacked = fps.filter(fp => !d.acks.has(fp));
    const key = g.receiver.name + JSON.stringify(g.labels);
    const nameLabels = Object.keys(g.labels).length ? labelChips(g.labels, {onPick: addToFilter}) : h('span', {class: 'muted'}, 'all alerts (no group_by)');
    return h('section', {class: 'card group', 'data-group': key, 'aria-label': `Group for ${g.receiver.name}`},
      h('header', null,
        h('div', {class: 'title'},
          h('span', {class: 'badge info', title: 'The receiver this group notifies'}, '→ ' + g.receiver.name),
          nameLabels,
          h('span', {class: 'muted'}, `${g.alerts.length} firing` + (fps.length - unacked.length ? `, ${fps.length - unacked.length} acknowledged` : ''))),
        h('div', {class: 'actions'},
          unacked.length ? h('button', {type: 'button', class: 'small', 'data-action': 'ack-group', 'data-key': 'ackg' + key,
            onclick: () => ackDialog(g.alerts.filter(a => !d.acks.has(a.fingerprint)), update)}, unacked.length === fps.length ? 'Acknowledge all' : `Acknowledge ${unacked.length} others`) : null,
          h('button', {type: 'button', class: 'small', 'data-action': 'silence-group', 'data-key': 'silg' + key,
            onclick: () => navigate(silenceHash(hashFor, commonLabels(g.alerts.map(a => a.labels))))}, 'Silence group'))),
      g.escalation ? escalationLine(g.escalation) : null,
      g.alerts.slice().sort((a, b) => sevRank(a.labels.severity) - sevRank(b.labels.severity) || a.startsAt.localeCompare(b.startsAt))
        .map(a => alertRow(a, g, d)));
  }

  function alertRow(a, g, d) {
    const ack = d.acks.get(a.fingerprint);
    const st = a.status;
    const ann = a.annotations || {};
    const extra = Object.keys(ann).filter(k => !['summary', 'description', 'runbook_url', 'runbook', 'message'].includes(k)).sort();
    const started = parseTime(a.startsAt);
    const key = a.fingerprint + '@' + g.receiver.name + JSON.stringify(g.labels);
    const badges = [];
    for (const id of st.silencedBy || []) {
      const s = d.silences.get(id);
      badges.push(h('span', {class: 'badge mute silenced', title: s ? `Silence ${id}: ${s.comment}` : id},
        'Silenced by ', h('a', {href: hashFor(['silences', id])}, s ? s.createdBy || id : id),
        s ? [', ends ', timeEl(s.endsAt)] : null, s && s.untilResolved ? ' (or when resolved)' : null));
    }
    for (const fp of st.inhibitedBy || []) {
      badges.push(h('span', {class: 'badge mute inhibited', title: 'Inhibited by the firing alert ' + fp}, 'Inhibited by ', d.names.get(fp) || fp));
    }
    for (const name of st.mutedBy || []) {
      badges.push(h('span', {class: 'badge mute muted', title: 'Muted by a maintenance window or time interval'}, 'Muted by ',
        h('a', {href: hashFor(['maintenance'])}, name)));
    }
    if (a.flapping) {
      badges.push(h('span', {class: 'badge flapping', title: 'It fires and resolves too often: its receivers were told once, and hear nothing more about it until it is stable'},
        'Flapping since ', timeEl(a.flappingSince)));
    }
    if (ack) {
      badges.push(h('span', {class: 'badge ack', 'data-ack': ack.id, title: ack.comment ? `Comment: ${ack.comment}` : 'No comment'},
        'Acknowledged by ', h('strong', null, ack.createdBy), ' ', timeEl(ack.createdAt),
        ack.comment ? ': ' + ack.comment : '', ack.expiresAt ? [' · expires ', timeEl(ack.expiresAt)] : null));
    }
    const runbook = ann.runbook_url || ann.runbook;
    const links = [runbook ? externalLink(runbook, 'Runbook') : null, a.generatorURL ? externalLink(a.generatorURL, 'Source query') : null].filter(Boolean);
    return h('article', {class: 'alert' + (st.state === 'suppressed' ? ' suppressed' : ''), 'data-fingerprint': a.fingerprint,
      'data-alertname': a.labels.alertname || ''},
    h('div', {class: 'main'},
      h('div', {class: 'head'},
        sevBadge(a.labels.severity),
        h('span', {class: 'name'}, a.labels.alertname || '(no alertname)'),
        h('span', {class: 'meta'}, 'firing for ', started ? h('time', {datetime: started.toISOString(), title: absTime(started)}, span((Date.now() - started) / 1000)) : '?',
          d.values.has(a.fingerprint) ? ` · value ${value(d.values.get(a.fingerprint))}` : '')),
      ann.summary ? h('p', {class: 'annotation summary'}, ann.summary) : null,
      ann.message && !ann.summary ? h('p', {class: 'annotation summary'}, ann.message) : null,
      ann.description ? h('p', {class: 'annotation description muted'}, ann.description) : null,
      extra.map(k => h('p', {class: 'annotation'}, h('span', {class: 'key'}, k + ':'), ann[k])),
      links.length ? h('p', {class: 'annotation'}, links.flatMap((l, i) => i ? [' · ', l] : [l])) : null,
      labelChips(a.labels, {exclude: ['alertname', 'severity'], onPick: addToFilter}),
      badges.length ? h('div', {class: 'badges'}, badges) : null),
    h('div', {class: 'actions'},
      ack
        ? h('button', {type: 'button', class: 'small', 'data-action': 'unack', 'data-key': 'unack' + key, onclick: () => unackDialog(ack, update)}, 'Unacknowledge')
        : h('button', {type: 'button', class: 'small', 'data-action': 'ack', 'data-key': 'ack' + key, onclick: () => ackDialog([a], update)}, 'Acknowledge'),
      h('button', {type: 'button', class: 'small', 'data-action': 'silence', 'data-key': 'sil' + key, onclick: () => navigate(silenceHash(hashFor, a.labels))}, 'Silence')));
  }

  function pendingRow(a, d) {
    const active = parseTime(a.activeAt);
    const forSec = d.forByName[a.labels.alertname];
    const fires = active && forSec ? new Date(active.getTime() + forSec * 1000) : null;
    return h('article', {class: 'alert pending', 'data-fingerprint': a.fingerprint, 'data-alertname': a.labels.alertname || ''},
      h('div', {class: 'main'},
        h('div', {class: 'head'}, sevBadge(a.labels.severity), h('span', {class: 'name'}, a.labels.alertname || ''),
          h('span', {class: 'meta'}, 'pending for ', active ? h('time', {datetime: active.toISOString(), title: absTime(active)}, span((Date.now() - active) / 1000)) : '?',
            fires ? [' · fires ', h('time', {datetime: fires.toISOString(), title: absTime(fires)}, relative(fires))] : null,
            ` · value ${value(a.value)}`)),
        a.annotations && a.annotations.summary ? h('p', {class: 'annotation summary'}, a.annotations.summary) : null,
        labelChips(a.labels, {exclude: ['alertname', 'severity'], onPick: addToFilter})),
      h('div', {class: 'actions'},
        h('button', {type: 'button', class: 'small', 'data-action': 'silence', onclick: () => navigate(silenceHash(hashFor, a.labels))}, 'Silence')));
  }

  return {title: 'Alerts', update};
}

function groupRank(g, d) {
  const sev = Math.min(...g.alerts.map(a => sevRank(a.labels.severity)));
  const allAcked = g.alerts.every(a => d.acks.has(a.fingerprint) || a.status.state === 'suppressed');
  return (allAcked ? 100 : 0) + sev;
}

// ackIndex maps each currently acknowledged alert's fingerprint to its
// acknowledgement.
function ackIndex(acks) {
  const m = new Map();
  for (const k of acks || []) {
    if (k.status !== 'active') continue;
    for (const a of k.alerts || []) if (a.acknowledged && !m.has(a.fingerprint)) m.set(a.fingerprint, k);
  }
  return m;
}

export function commonLabels(sets) {
  if (!sets.length) return {};
  const out = {...sets[0]};
  for (const s of sets.slice(1)) for (const k of Object.keys(out)) if (s[k] !== out[k]) delete out[k];
  return out;
}

function silenceHash(hashFor, labels) {
  return hashFor(['silences', 'new'], M.fromLabels(labels).map(m => ['matcher', M.format(m)]));
}

function escalationLine(e) {
  const parts = [h('strong', null, 'Escalation ' + e.policy + ': '),
    e.level ? `level ${e.level} of ${e.levels} paged` : `no level paged yet (${e.levels} levels)`];
  if (e.pausedAt) {
    parts.push(' · paused ', timeEl(e.pausedAt), ' (every alert acknowledged, silenced or resolved)');
  } else if (e.nextAt) {
    const repeat = e.level >= e.levels;
    parts.push(` · ${repeat ? 'repeats to' : `level ${e.nextLevel} pages`} `, (e.nextReceivers || []).join(', '), ' ', timeEl(e.nextAt));
  } else if (e.level >= e.levels) {
    parts.push(' · every level paged');
  }
  return h('div', {class: 'escalation' + (e.pausedAt ? ' paused' : ''), 'data-escalation': e.policy}, parts);
}

// ackDialog acknowledges the given alerts under a name (remembered) with
// a comment and an optional expiry.
function ackDialog(alerts, done) {
  const names = [...new Set(alerts.map(a => a.labels.alertname))].join(', ');
  return modal(alerts.length === 1 ? `Acknowledge ${names}` : `Acknowledge ${alerts.length} alerts`, close => {
    const who = h('input', {id: 'ack-by', name: 'createdBy', required: true, value: remembered('name'), autocomplete: 'name'});
    const comment = h('textarea', {id: 'ack-comment', name: 'comment', rows: 3, placeholder: 'What you are doing about it'});
    const dur = h('select', {id: 'ack-duration'}, ACK_DURATIONS.map(([v, t]) => h('option', {value: v}, t)));
    const err = h('div', {class: 'dialog-error'});
    const submit = h('button', {type: 'submit', class: 'primary'}, 'Acknowledge');
    return h('form', {id: 'ack-form', onsubmit: async e => {
      e.preventDefault();
      submit.disabled = true;
      try {
        const body = {fingerprints: alerts.map(a => a.fingerprint), createdBy: who.value.trim(), comment: comment.value.trim()};
        if (dur.value) body.duration = dur.value;
        await post('/api/v1/acknowledgements', body);
        remember('name', body.createdBy);
        close(true);
        done();
      } catch (ex) {
        showError(err, ex, 'Acknowledging');
      } finally {
        submit.disabled = false;
      }
    }},
    h('p', {class: 'muted'}, 'While acknowledged, the alerts stop repeating and escalating; every receiver already paged is told who took it.'),
    alerts.length > 1 ? h('p', null, names) : null,
    h('label', {for: 'ack-by'}, 'Your name'), who,
    h('label', {for: 'ack-comment'}, 'Comment'), comment,
    h('label', {for: 'ack-duration'}, 'Holds'), dur,
    err,
    h('div', {class: 'actions'}, h('button', {type: 'button', onclick: () => close(false)}, 'Cancel'), submit));
  });
}

async function unackDialog(ack, done) {
  const n = (ack.alerts || []).filter(a => a.acknowledged).length;
  const ok = await confirmDialog('Withdraw the acknowledgement?',
    `${ack.createdBy}'s acknowledgement${n > 1 ? ` covers ${n} alerts; all of them` : ''} will repeat and escalate again.`, 'Unacknowledge', true);
  if (!ok) return;
  try {
    await del('/api/v1/acknowledgements/' + encodeURIComponent(ack.id));
    done();
  } catch (ex) {
    const el = document.getElementById('filter-error');
    showError(el, ex, 'Unacknowledging');
  }
}
