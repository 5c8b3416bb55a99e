// Times are shown relative ("12m ago") with the absolute time, in the
// browser's time zone, in the title (shown on hover).

const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';

export function parseTime(v) {
  if (!v) return null;
  const d = new Date(v);
  if (isNaN(d.getTime()) || d.getFullYear() < 1971) return null;
  return d;
}

export function absTime(d) {
  return d.toLocaleString(undefined, {year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit'}) + (zone ? ' ' + zone : '');
}

// span formats a number of seconds as "45s", "12m", "2h 5m", "3d 4h".
export function span(sec) {
  sec = Math.max(0, Math.round(sec));
  if (sec < 60) return sec + 's';
  const m = Math.floor(sec / 60);
  if (m < 60) return m + 'm';
  const hr = Math.floor(m / 60);
  if (hr < 24) return m % 60 ? `${hr}h ${m % 60}m` : `${hr}h`;
  const d = Math.floor(hr / 24);
  return hr % 24 ? `${d}d ${hr % 24}h` : `${d}d`;
}

export function relative(d, now = new Date()) {
  const diff = (now.getTime() - d.getTime()) / 1000;
  if (Math.abs(diff) < 2) return 'now';
  return diff >= 0 ? span(diff) + ' ago' : 'in ' + span(-diff);
}

// timeEl is a <time> showing the relative time; "" for a missing time.
export function timeEl(v, opts = {}) {
  const d = parseTime(v);
  const el = document.createElement('time');
  if (!d) {
    el.textContent = opts.none ?? '—';
    return el;
  }
  el.dateTime = d.toISOString();
  el.title = absTime(d);
  el.textContent = opts.since ? span((Date.now() - d.getTime()) / 1000) : relative(d);
  return el;
}

// seconds formats a duration in seconds as Prometheus writes it: 1h30m, 90s.
export function promDuration(sec) {
  if (!sec) return '0s';
  let s = Math.round(sec * 1000) / 1000;
  const parts = [];
  for (const [unit, n] of [['d', 86400], ['h', 3600], ['m', 60]]) {
    if (s >= n) {
      parts.push(Math.floor(s / n) + unit);
      s -= Math.floor(s / n) * n;
    }
  }
  if (s > 0 || parts.length === 0) parts.push((Math.round(s * 1000) / 1000) + 's');
  return parts.join('');
}

// parseDuration reads "90s", "2h", "1h30m", "1d", "1w" into milliseconds;
// NaN when it is not a duration.
export function parseDuration(s) {
  const m = String(s).trim().match(/^((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?$/);
  if (!m || !String(s).trim()) return NaN;
  const [w, d, hr, min, sec] = [m[2], m[4], m[6], m[8], m[10]].map(x => Number(x || 0));
  return ((((w * 7 + d) * 24 + hr) * 60 + min) * 60 + sec) * 1000;
}

// msDuration formats milliseconds as a duration parseDuration reads.
export function msDuration(ms) {
  let s = Math.round(ms / 1000);
  if (s <= 0) return '0s';
  let out = '';
  for (const [unit, n] of [['w', 604800], ['d', 86400], ['h', 3600], ['m', 60], ['s', 1]]) {
    if (s >= n) {
      out += Math.floor(s / n) + unit;
      s %= n;
    }
  }
  return out;
}

// value formats an alert's value ("9.5e-01") for people.
export function value(v) {
  const n = Number(v);
  if (v === undefined || v === null || v === '' || isNaN(n)) return String(v ?? '');
  if (!isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e6) return String(Number(n.toPrecision(4)));
  return n.toExponential(3);
}

// localInput formats a Date for <input type="datetime-local">.
export function localInput(d) {
  const p = n => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

const severityRank = {critical: 0, page: 0, error: 1, high: 1, warning: 2, warn: 2, medium: 2, info: 3, low: 3, none: 4};

export function sevRank(s) {
  return s in severityRank ? severityRank[s] : 3.5;
}

export function sevClass(s) {
  if (!s) return 'sev sev-none';
  const r = sevRank(s);
  if (r <= 1) return 'sev sev-critical';
  if (r <= 2) return 'sev sev-warning';
  return 'sev sev-info';
}
