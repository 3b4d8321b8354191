/** The API over fetch, with the session's bearer token; every refusal becomes one readable sentence. */
import { session } from './session.js';

/** Dispatched on window when the API refuses the session's own token (401): the shell signs out. */
export const UNAUTHORIZED_EVENT = 'mvl:unauthorized';

export class ApiError extends Error {
  constructor(status, sentence, body) {
    super(sentence);
    this.status = status;
    this.body = body;
  }
}

const WHAT = {
  400: 'The API found a problem with the request',
  401: 'The API did not accept your token (401); sign in again',
  403: 'The API refused this (403)',
  404: 'Not found (404)',
  409: 'The API refused this now (409)',
  413: 'The request was too large (413)',
  503: 'The service is unavailable (503)',
  504: 'The workflow did not answer in time (504)',
};

/** "approve refused: the registrant may not approve…" → "The API refused this (403): the registrant may not approve…." */
export function sentenceFor(status, body) {
  let detail =
    typeof body?.message === 'string'
      ? body.message
      : Array.isArray(body?.message)
        ? body.message.join('; ')
        : '';
  detail = detail.replace(/^[a-z-]+ refused: /, '');
  const lead = WHAT[status] ?? `The API answered ${status}`;
  if (status === 401 || !detail) return `${lead}.`;
  return `${lead}: ${detail}${/[.!?]$/.test(detail) ? '' : '.'}`;
}

export async function api(path, { method = 'GET', body, token = session.token } = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: {
        accept: 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, 'The API could not be reached; check the connection and try again.');
  }
  const text = await res.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { message: text };
  }
  if (res.status === 401 && token && token === session.token)
    window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
  if (!res.ok) throw new ApiError(res.status, sentenceFor(res.status, parsed), parsed);
  return parsed;
}

export const enc = encodeURIComponent;
