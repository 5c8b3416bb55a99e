// The JSON APIs the UI reads and writes: the same ones amtool, Grafana and
// scripts use. The bearer token, when alerter requires one, lives only in
// this tab's sessionStorage.

const TOKEN_KEY = 'alerter.token';

export function getToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch (_) {
    return '';
  }
}

export function setToken(t) {
  try {
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch (_) { /* storage disabled: the token lasts until reload */ }
  window.dispatchEvent(new Event('alerter-token'));
}

export class APIError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
  get unauthorized() { return this.status === 401; }
}

// request sends one same-origin request. Bodies are JSON with the
// application/json content type (alerter refuses others for changes);
// DELETE has none. The Prometheus envelope {"status":"success","data":…}
// is unwrapped; errors throw APIError with the server's message.
export async function request(method, path, body) {
  const headers = {Accept: 'application/json'};
  const token = getToken();
  if (token) headers.Authorization = 'Bearer ' + token;
  const init = {method, headers, credentials: 'same-origin', cache: 'no-store', redirect: 'error'};
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new APIError(0, 'alerter did not answer (' + e.message + ')');
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (_) {
      data = null;
    }
  }
  if (!res.ok) {
    let msg = '';
    if (typeof data === 'string') msg = data;
    else if (data && typeof data.error === 'string') msg = data.error;
    else if (data && typeof data.message === 'string') msg = data.message;
    else msg = text.trim() || res.statusText;
    if (res.status === 401) {
      msg = token ? 'the token was refused (401)' : 'alerter requires a bearer token (401)';
    }
    throw new APIError(res.status, msg);
  }
  if (data && !Array.isArray(data) && data.status === 'success') return data.data;
  return data;
}

export const get = path => request('GET', path);
export const post = (path, body) => request('POST', path, body);
export const del = path => request('DELETE', path);

// query builds a query string from [name, value] pairs, skipping empty values.
export function query(pairs) {
  const p = new URLSearchParams();
  for (const [k, v] of pairs) {
    if (v !== undefined && v !== null && v !== '') p.append(k, v);
  }
  const s = p.toString();
  return s ? '?' + s : '';
}
