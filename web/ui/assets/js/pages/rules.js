// Rules: every group and rule from /api/v1/rules (Prometheus's shape plus
// alerter's condition, resolve, severities and id), and a rule's page with
// its last evaluations (updates=N, kept in memory by the evaluator).
import {h, replace, preserve} from '../dom.js';
import {get, query} from '../api.js';
import {timeEl, promDuration, value} from '../format.js';
import * as M from '../matchers.js';
import {labelChips, empty, props, healthEl, sevBadge} from '../widgets.js';

const UPDATES = 20;

export function mount(ctx) {
  if (ctx.segments[1]) return rulePage(ctx, ctx.segments[1]);
  return list(ctx);
}

function counts(r) {
  const alerts = r.alerts || [];
  return {firing: alerts.filter(a => a.state === 'firing').length, pending: alerts.filter(a => a.state === 'pending').length};
}

function list(ctx) {
  const q = ctx.params.get('q') || '';
  const only = ctx.params.get('only') || '';
  const search = h('input', {type: 'search', id: 'rule-search', value: q, placeholder: 'name, group or file', 'data-key': 'q', autocomplete: 'off'});
  const sel = h('select', {id: 'rule-only', onchange: () => go()},
    [['', 'All rules'], ['active', 'Pending or firing'], ['unhealthy', 'Unhealthy']].map(([v, t]) => h('option', {value: v, selected: v === only}, t)));
  const go = () => ctx.navigate(ctx.hashFor(['rules'], [['q', search.value.trim()], ['only', sel.value]]));
  const summary = h('p', {class: 'summary'});
  const results = h('div', {id: 'rule-groups'});
  ctx.main.append(h('h1', null, 'Rules'),
    h('form', {class: 'toolbar', role: 'search', onsubmit: e => { e.preventDefault(); go(); }},
      h('div', {class: 'grow'}, h('label', {for: 'rule-search'}, 'Search'), search),
      h('div', null, h('label', {for: 'rule-only'}, 'Show'), sel),
      h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Apply'))),
    summary, results);

  async function update() {
    const data = await get('/api/v1/rules');
    const needle = q.toLowerCase();
    let total = 0, unhealthy = 0, firing = 0, pending = 0;
    const groups = [];
    for (const g of data.groups) {
      const rules = g.rules.filter(r => {
        const c = counts(r);
        total++;
        if (r.health === 'err') unhealthy++;
        firing += c.firing;
        pending += c.pending;
        if (needle && ![r.name, g.name, g.file].some(s => (s || '').toLowerCase().includes(needle))) return false;
        if (only === 'active' && !(c.firing + c.pending)) return false;
        if (only === 'unhealthy' && r.health !== 'err') return false;
        return true;
      });
      if (rules.length) groups.push({...g, rules});
    }
    replace(summary, `${total} rules in ${data.groups.length} groups · ${firing} firing · ${pending} pending alerts`, unhealthy ? ` · ${unhealthy} unhealthy` : '');
    preserve(results, () => replace(results, groups.length ? groups.map(groupCard) : empty('No rule matches.')));
  }

  function groupCard(g) {
    return h('section', {class: 'card', 'data-rule-group': g.name},
      h('header', null, h('div', {class: 'title'}, h('h2', null, g.name), h('span', {class: 'muted'}, g.file)),
        h('div', {class: 'muted'}, g.schedule ? `schedule ${g.schedule}` : `every ${promDuration(g.interval)}`, ' · evaluated ', timeEl(g.lastEvaluation, {none: 'never'}),
          ` in ${(g.evaluationTime * 1000).toFixed(1)} ms`)),
      h('div', {class: 'table-wrap'}, h('table', null,
        h('thead', null, h('tr', null, ['Rule', 'Health', 'Alerts', 'Last evaluation', 'Query'].map((t, i) => h('th', {scope: 'col', class: i === 4 ? 'hide-phone' : null}, t)))),
        h('tbody', null, g.rules.map(r => ruleRow(r))))));
  }

  function ruleRow(r) {
    const c = counts(r);
    return h('tr', {class: 'rule-row', 'data-rule': r.name},
      h('td', {class: 'name'}, h('a', {href: ctx.hashFor(['rules', r.id || r.name])}, r.name), r.type === 'recording' ? h('div', {class: 'muted'}, 'recording (not evaluated)') : null),
      h('td', null, healthEl(r.health), r.lastError ? h('div', {class: 'error-text'}, r.lastError) : null),
      h('td', null, c.firing ? h('span', {class: 'badge crit'}, `${c.firing} firing`) : null, ' ', c.pending ? h('span', {class: 'badge warn'}, `${c.pending} pending`) : null,
        !c.firing && !c.pending ? h('span', {class: 'muted'}, r.type === 'alerting' ? 'inactive' : '') : null),
      h('td', null, timeEl(r.lastEvaluation, {none: 'never'}), h('div', {class: 'muted'}, `${(r.evaluationTime * 1000).toFixed(1)} ms`)),
      h('td', {class: 'hide-phone'}, h('code', null, r.query)));
  }
  return {title: 'Rules', update};
}

function rulePage(ctx, id) {
  const body = h('div', {id: 'rule-page'});
  ctx.main.append(h('p', null, h('a', {href: ctx.hashFor(['rules'])}, '← Rules')), body);

  async function update() {
    const data = await get('/api/v1/rules' + query([['rule_id[]', id], ['updates', UPDATES]]));
    let found = null;
    for (const g of data.groups) for (const r of g.rules) if (r.id === id) found = {g, r};
    if (!found) {
      replace(body, h('h1', null, 'Rule not found'), h('p', null, `No loaded rule has the id ${id}; it may have been renamed or removed by a reload.`));
      return;
    }
    const {g, r} = found;
    const c = counts(r);
    preserve(body, () => replace(body,
      h('div', {class: 'toolbar'}, h('h1', {class: 'grow'}, r.name),
        r.type === 'alerting' ? h('a', {class: 'button', href: ctx.hashFor(['alerts'], [['filter', M.format({name: 'alertname', op: '=', value: r.name})]])}, 'Show its alerts') : null),
      h('section', {class: 'card'}, h('div', {class: 'body'}, props([
        ['Group', `${g.name} (${g.file})`],
        ['Health', [healthEl(r.health), r.lastError ? h('div', {class: 'error-text', id: 'rule-last-error'}, r.lastError) : null]],
        ['Last evaluation', [timeEl(r.lastEvaluation, {none: 'never'}), ` in ${(r.evaluationTime * 1000).toFixed(1)} ms`]],
        ['Query', h('pre', {id: 'rule-query'}, r.query)],
        ['Condition', r.condition ? h('code', null, r.condition) : null],
        ['Resolve', r.resolve ? h('code', null, r.resolve) : null],
        ['Severities', r.severities && r.severities.length ? h('ul', null, r.severities.map(s => h('li', null, sevBadge(s.severity), ' when ', h('code', null, s.condition)))) : null],
        ['For', r.type === 'alerting' ? promDuration(r.duration || 0) : null],
        ['Keep firing for', r.keepFiringFor ? promDuration(r.keepFiringFor) : null],
        ['Labels', labelChips(r.labels || {}, {wrap: true})],
        ['Annotations', Object.keys(r.annotations || {}).length ? h('dl', {class: 'props'}, Object.keys(r.annotations).sort().map(k => [h('dt', null, k), h('dd', null, h('code', null, r.annotations[k]))])) : null],
        ['Alerts', `${c.firing} firing, ${c.pending} pending`],
      ]))),
      h('h2', null, 'Active alerts'),
      (r.alerts || []).length ? h('div', {class: 'card', id: 'rule-alerts'}, r.alerts.map(a => h('div', {class: 'alert'},
        h('div', {class: 'main'},
          h('div', {class: 'head'}, h('span', {class: a.state === 'firing' ? 'badge crit' : 'badge warn'}, a.state),
            h('span', {class: 'meta'}, 'active since ', timeEl(a.activeAt), ` · value ${value(a.value)}`)),
          labelChips(a.labels, {exclude: ['alertname']}))))) : empty('No pending or firing alert.'),
      h('h2', null, `Last ${(r.updates || []).length} evaluations`),
      h('p', {class: 'hint'}, `alerter keeps each rule's most recent evaluations in memory (they start over when alerter restarts).`),
      (r.updates || []).length ? h('div', {class: 'card table-wrap'}, h('table', {id: 'rule-evaluations'},
        h('thead', null, h('tr', null, ['Time', 'Duration', 'Series returned', 'Active alerts', 'Error'].map(t => h('th', {scope: 'col'}, t)))),
        h('tbody', null, r.updates.map(u => {
          return h('tr', {class: u.error ? 'eval-error' : 'eval-ok'},
            h('td', null, timeEl(u.time)),
            h('td', null, `${(u.duration * 1000).toFixed(1)} ms`),
            h('td', null, u.samples ?? '—'),
            h('td', null, u.active ?? '—'),
            h('td', {class: 'error-text'}, u.error || ''));
        })))) : empty('Not evaluated yet.')));
  }
  return {title: 'Rule', update};
}
