/** Numbers, times and durations as people read them. */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60 ? `${s % 60} s` : ''}`.trim();
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `${hrs} h ${m % 60 ? `${m % 60} min` : ''}`.trim();
  return `${Math.floor(hrs / 24)} d ${hrs % 24 ? `${hrs % 24} h` : ''}`.trim();
}

export function age(iso, now = Date.now()) {
  return iso ? duration((now - Date.parse(iso)) / 1000) : '—';
}

/** "in 6 d 23 h" or "3 min ago". */
export function until(iso, now = Date.now()) {
  if (!iso) return '—';
  const seconds = (Date.parse(iso) - now) / 1000;
  return seconds >= 0 ? `in ${duration(seconds)}` : `${duration(-seconds)} ago`;
}

export function dateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

export function percent(rate, digits = 2) {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(digits)} %`;
}

export function ms(value) {
  return value === null || value === undefined ? '—' : `${Number(value).toFixed(1)} ms`;
}

export function num(value) {
  if (value === null || value === undefined) return '—';
  return Number.isInteger(value)
    ? String(value)
    : Number(value)
        .toPrecision(4)
        .replace(/\.?0+$/, '');
}

export const STAGE_LABELS = {
  registering: 'registering',
  'awaiting-approval': 'awaiting approval',
  'deploying-staging': 'deploying to staging',
  validating: 'validating in staging',
  'waiting-for-endpoint': 'waiting for the endpoint',
  'deploying-canary': 'deploying the canary',
  canary: 'canary',
  promoting: 'promoting',
  'rolling-back': 'rolling back',
  'needs-attention': 'needs attention',
  promoted: 'promoted',
  rejected: 'rejected',
  expired: 'expired',
  'validation-failed': 'validation failed',
  'rolled-back': 'rolled back',
  failed: 'failed',
  cancelled: 'cancelled',
  released: 'released',
  'refused-by-aws': 'refused by AWS',
};

export const stageLabel = (stage) => STAGE_LABELS[stage] ?? stage ?? 'unknown';
