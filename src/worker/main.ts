/**
 * `npm run worker`: the lifecycle worker as its own process (docker-compose, real deployments).
 * SIGTERM/SIGINT: stop polling; in-flight activities get WORKER_SHUTDOWN_GRACE_SECONDS to finish,
 * after which they are cancelled and Temporal hands them to another worker.
 */
import { loadConfig } from '../config';
import { createLogger } from './logger';
import { installTemporalRuntime } from './temporal-runtime';
import { startWorker } from './start-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'mvl-worker');
  installTemporalRuntime(logger, { metricsAddress: config.worker.metricsAddress });
  const worker = await startWorker(config, logger);
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down: finishing in-flight activities');
    void worker.stop();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  await worker.done;
  logger.info('worker stopped');
  // An AWS call abandoned by a cancelled activity may still hold a socket open; its activity is
  // already back with Temporal, so nothing is lost by not waiting for it.
  process.exit(0);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
