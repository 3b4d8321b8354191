/**
 * `npm run cluster`: the deployment docker-compose.yml describes, on this machine without Docker
 * (start-cluster.ts). Ctrl-C, SIGTERM or SIGHUP stops everything in order; so does the death of our
 * parent (npm, a terminal, a supervisor). Each child also dies with us if we are SIGKILLed
 * (child-process.ts). Logs: DATA_DIR/cluster/logs/<process>.log; CLUSTER_ECHO=1 also prints them.
 */
import { localTokensPath } from '../src/config/local-tokens';
import { clusterSettings } from './settings';
import { startCluster, type Cluster } from './start-cluster';

function printBanner(cluster: Cluster, dataDir: string, ownTokens: boolean): void {
  const lines = [
    '',
    'model-version-lifecycle cluster is running (Temporal on PostgreSQL, ' +
      `${cluster.workers.length} workers)`,
    `  API          ${cluster.apiUrl}   (OpenAPI UI: ${cluster.apiUrl}/docs)`,
    `  Temporal UI  ${cluster.uiUrl ?? '(not started)'}`,
    `  Temporal     ${cluster.temporalAddress}   namespace ${cluster.namespace}, task queue ${cluster.taskQueue}`,
    `  PostgreSQL   ${cluster.postgres.host}:${cluster.postgres.port}${cluster.postgres.external ? ' (POSTGRES_URL)' : ''}`,
    `  AWS emulator ${cluster.emulatorUrl}`,
    `  workers      ${cluster.workers.map((w) => `${w.name} pid ${w.pid}`).join(', ')}`,
    `  logs         ${cluster.logDir}`,
  ];
  if (ownTokens) {
    lines.push(`  local tokens (also in ${localTokensPath(dataDir)}):`);
    for (const t of cluster.tokens)
      lines.push(`    ${t.roles.join('+').padEnd(12)} ${t.identity.padEnd(20)} ${t.token}`);
  } else {
    lines.push('  tokens: from AUTH_TOKENS');
  }
  lines.push('  try: npm run demo     stop: Ctrl-C', '');
  console.log(lines.join('\n'));
}

async function main(): Promise<void> {
  const settings = clusterSettings();
  const cluster = await startCluster(settings, { echo: process.env.CLUSTER_ECHO === '1' });
  printBanner(cluster, settings.dataDir, !settings.authTokens);

  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`[cluster] ${reason}: stopping`);
    void cluster.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown('parent exited');
  }, 1000).unref();
  // A child that dies on its own (crash, OOM) leaves a cluster that only looks up: say so loudly.
  for (const w of cluster.workers) {
    void w.exited.then((code) => {
      if (!stopping) console.error(`[cluster] ${w.name} (pid ${w.pid}) exited (${code}); see ${w.logFile}`);
    });
  }
  // Keep the event loop alive while the children run.
  setInterval(() => undefined, 60_000);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
