/** `npm run api`: the HTTP API as its own process (docker-compose, real deployments). */
import { loadConfig } from '../config';
import { createLogger } from '../worker/logger';
import { startApi } from './start-api';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'mvl-api');
  if (!config.auth.staticTokens && !config.auth.jwt) {
    logger.warn('neither AUTH_TOKENS nor AUTH_JWKS_URL is set: every request will be refused with 401');
  }
  const api = await startApi(config, logger);
  const stop = () => void api.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
