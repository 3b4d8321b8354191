/**
 * `npm start`: the local stack on embedded defaults. For now the Temporal dev server with its UI;
 * the service issue adds the emulator, the worker and the API.
 */
import { join } from 'node:path';
import { startTemporalDevServer } from './dev/temporal-dev-server';

async function main(): Promise<void> {
  const server = await startTemporalDevServer({
    dataDir: process.env.DATA_DIR ?? join(process.cwd(), '.data'),
    port: Number(process.env.TEMPORAL_PORT ?? 7233),
    uiPort: Number(process.env.TEMPORAL_UI_PORT ?? 8233),
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
  });
  console.log(`Temporal: ${server.address}  UI: ${server.uiUrl}`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
