/** The demo talks to the public API only, with the local stack's tokens (or MVL_*_TOKEN). */
import { localTokenFor } from '../src/config/local-tokens';

export type Persona = 'pipeline' | 'approver' | 'operator' | 'viewer';

export interface DemoApi {
  call<T>(
    persona: Persona,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
}

export async function connectDemoApi(env = process.env): Promise<DemoApi> {
  const baseUrl = env.MVL_API_URL ?? `http://127.0.0.1:${env.API_PORT ?? 3000}`;
  const dataDir = env.DATA_DIR ?? '.data';
  const tokens = {
    pipeline: env.MVL_PIPELINE_TOKEN ?? (await localTokenFor(dataDir, 'pipeline')),
    approver: env.MVL_APPROVER_TOKEN ?? (await localTokenFor(dataDir, 'approver')),
    operator: env.MVL_OPERATOR_TOKEN ?? (await localTokenFor(dataDir, 'operator')),
    viewer: env.MVL_VIEWER_TOKEN ?? (await localTokenFor(dataDir, 'viewer')),
  };
  for (const [persona, token] of Object.entries(tokens)) {
    if (!token)
      throw new Error(
        `no ${persona} token: start the stack with \`npm start\` or set MVL_${persona.toUpperCase()}_TOKEN`,
      );
  }
  const health = await fetch(`${baseUrl}/health`).catch(() => undefined);
  if (!health?.ok) throw new Error(`the API at ${baseUrl} is not up: run \`npm start\` first`);
  return {
    async call(persona, method, path, body) {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens[persona]}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as never };
    },
  };
}
