/**
 * `npm start`: the whole product on one machine, on embedded defaults.
 *   Temporal dev server (SQLite in DATA_DIR, search attributes, Web UI) → AWS emulator with a v0
 *   production endpoint and live traffic → worker → API. Prints the URLs and local tokens.
 * Ctrl-C stops them in reverse order; a second start finds the same workflows in the same SQLite file.
 */
import { resolve } from 'node:path';
import { generateLocalTokens, type StaticToken } from '../src/api/auth/static-tokens';
import { startApi } from '../src/api/start-api';
import { loadConfig, type ServiceConfig } from '../src/config';
import { localTokensPath, readLocalTokens, writeLocalTokens } from '../src/config/local-tokens';
import { createLogger } from '../src/worker/logger';
import { installTemporalRuntime } from '../src/worker/temporal-runtime';
import { startWorker } from '../src/worker/start-worker';
import { lockDataDir } from './data-dir-lock';
import { loadLocalStackConfig, type LocalStackConfig } from './local-stack-config';
import { startLocalEmulator } from './local-emulator';
import { startTemporalDevServer } from './temporal-dev-server';

type Stop = () => Promise<void>;

async function localTokens(config: ServiceConfig, dataDir: string): Promise<StaticToken[]> {
  if (config.auth.staticTokens) return [];
  const existing = await readLocalTokens(dataDir);
  if (existing) return existing;
  const tokens = generateLocalTokens();
  await writeLocalTokens(dataDir, tokens);
  return tokens;
}

async function main(): Promise<void> {
  const ls: LocalStackConfig = loadLocalStackConfig();
  const emulatorUrl = `http://127.0.0.1:${ls.emulatorPort}`;
  // The local stack points every component at its own Temporal and emulator unless told otherwise.
  process.env.TEMPORAL_ADDRESS ??= `127.0.0.1:${ls.temporalPort}`;
  process.env.AWS_ENDPOINT_URL ??= emulatorUrl;
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'mvl');
  installTemporalRuntime(logger, { metricsAddress: config.worker.metricsAddress });
  const stops: Stop[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: Error) => logger.error(err.message));
  };
  const unlock = lockDataDir(resolve(ls.dataDir));
  stops.push(() => Promise.resolve(unlock())); // runs last
  try {
    const temporal = await startTemporalDevServer({
      dataDir: resolve(ls.dataDir),
      port: ls.temporalPort,
      uiPort: ls.temporalUiPort,
      namespace: config.temporal.namespace,
    });
    stops.push(() => temporal.stop());

    const emulator = await startLocalEmulator(config, ls, logger);
    stops.push(() => emulator.stop());

    const worker = await startWorker(config, logger);
    stops.push(() => worker.stop());

    const tokens = await localTokens(config, ls.dataDir);
    const api = await startApi(config, logger, tokens);
    stops.push(() => api.close());

    printBanner(
      { api: api.url, temporalUi: temporal.uiUrl, temporal: temporal.address, emulator: emulator.url },
      tokens,
      ls.dataDir,
    );
  } catch (err) {
    await stopAll();
    throw err;
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the local stack');
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  // A parent (npm, a supervisor) that dies without a signal to us leaves us re-parented: stop too,
  // rather than keep every port held with nobody to stop us.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown('parent exited');
  }, 1000).unref();
}

function printBanner(urls: Record<string, string>, tokens: StaticToken[], dataDir: string): void {
  const lines = [
    '',
    'model-version-lifecycle is running',
    `  API          ${urls.api}   (OpenAPI UI: ${urls.api}/docs)`,
    `  Console      ${urls.api}/console/   (sign in with a token below)`,
    `  Temporal UI  ${urls.temporalUi}`,
    `  Temporal     ${urls.temporal}`,
    `  AWS emulator ${urls.emulator}`,
  ];
  if (tokens.length > 0) {
    lines.push(`  local tokens (also in ${localTokensPath(dataDir)}):`);
    for (const t of tokens)
      lines.push(`    ${t.roles.join('+').padEnd(12)} ${t.identity.padEnd(20)} ${t.token}`);
  } else {
    lines.push('  tokens: from AUTH_TOKENS / AUTH_JWKS_URL');
  }
  lines.push('  try: npm run demo     stop: Ctrl-C', '');
  console.log(lines.join('\n'));
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
