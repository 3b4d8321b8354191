/** The CLI's HTTP client: MVL_API_URL and MVL_TOKEN (or a local-stack token for the needed role). */
import { localTokenFor } from '../config/local-tokens';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Exit codes: 2 usage, 3 not authenticated/allowed, 4 not found, 5 refused by the lifecycle (409), 1 anything else. */
const EXIT_BY_STATUS: Record<number, number> = { 400: 2, 401: 3, 403: 3, 404: 4, 409: 5 };

export interface ApiClient {
  request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>;
}

export async function createApiClient(role: string, env = process.env): Promise<ApiClient> {
  const baseUrl = (env.MVL_API_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const token = env.MVL_TOKEN ?? (await localTokenFor(env.DATA_DIR ?? '.data', role));
  if (!token) {
    throw new CliError('set MVL_TOKEN to a bearer token (npm start prints local ones)', 3);
  }
  return {
    async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
      let res: Response;
      try {
        res = await fetch(`${baseUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        throw new CliError(`cannot reach ${baseUrl}: ${causeOf(err as Error)}`, 1);
      }
      const text = await res.text();
      const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      if (!res.ok) {
        const message = typeof parsed.message === 'string' ? parsed.message : res.statusText;
        throw new CliError(`${res.status} ${message}`, EXIT_BY_STATUS[res.status] ?? 1);
      }
      return parsed as T;
    },
  };
}

/** fetch's own message is "fetch failed"; the reason (ECONNREFUSED …) is in its cause. */
function causeOf(err: Error): string {
  const cause: unknown = err.cause;
  if (cause instanceof Error) return cause.message;
  return typeof cause === 'string' ? cause : err.message;
}
