// Status: version and uptime (/api/v2/status), configuration reloads,
// datasource and storage (/api/v1/status/runtimeinfo), replication
// (cluster, when alerter runs as several replicas) and the running
// configuration with its secrets hidden.
import {h, replace, preserve} from '../dom.js';
import {get} from '../api.js';
import {timeEl, absTime, parseTime} from '../format.js';
import {props} from '../widgets.js';

function when(v) {
  const d = parseTime(v);
  return d ? [timeEl(v), ' (', absTime(d), ')'] : '—';
}

function scalar(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function mount(ctx) {
  const body = h('div', {id: 'status'});
  ctx.main.append(h('h1', null, 'Status'), body);
  async function update() {
    const [st, rt] = await Promise.all([get('/api/v2/status'), get('/api/v1/status/runtimeinfo')]);
    const vi = st.versionInfo || {};
    const ds = rt.datasource;
    const cluster = st.cluster || {};
    const clusterExtra = Object.keys(cluster).filter(k => !['status', 'peers', 'name'].includes(k));
    preserve(body, () => replace(body,
      h('section', {class: 'card'}, h('header', null, h('h2', null, 'alerter')), h('div', {class: 'body'}, props([
        ['Version', vi.version || 'unknown'],
        ['Revision', vi.revision],
        ['Built', vi.buildDate],
        ['Go', vi.goVersion],
        ['Started', when(rt.startTime || st.uptime)],
      ]))),
      h('section', {class: 'card', id: 'status-config'}, h('header', null, h('h2', null, 'Configuration')), h('div', {class: 'body'}, props([
        ['Last reload', rt.reloadConfigSuccess === false ? h('span', {class: 'health-err'}, 'failed: the previous configuration keeps running') : h('span', {class: 'health-ok'}, 'successful')],
        ['Loaded', when(rt.lastConfigTime)],
        ['Error', rt.lastConfigError ? h('pre', {class: 'error-text'}, rt.lastConfigError) : null],
      ]))),
      h('section', {class: 'card', id: 'status-datasource'}, h('header', null, h('h2', null, 'Datasource and storage')), h('div', {class: 'body'}, props([
        ['Datasource', ds ? ds.url : 'unknown'],
        ['Health', ds ? (ds.up ? h('span', {class: 'health-ok'}, 'answering') : h('span', {class: 'health-err'}, ['failing since ', timeEl(ds.failingSince), ': alert state is frozen'])) : null],
        ['Storage', rt.storage],
      ]))),
      h('section', {class: 'card', id: 'status-cluster'}, h('header', null, h('h2', null, 'Replication')), h('div', {class: 'body'}, props([
        ['Status', cluster.status || 'unknown'],
        ['This replica', cluster.name],
        ...clusterExtra.map(k => [k, scalar(cluster[k])]),
        ['Peers', (cluster.peers || []).length ? h('ul', null, cluster.peers.map(p => h('li', null, [p.name, p.address].filter(Boolean).join(' · ') || scalar(p)))) : null],
      ]))),
      st.config && st.config.original ? h('details', {class: 'card', 'data-key': 'config'},
        h('summary', {class: 'body'}, 'Running configuration (secrets hidden)'),
        h('div', {class: 'body'}, h('pre', null, st.config.original))) : null));
  }
  return {title: 'Status', update};
}
