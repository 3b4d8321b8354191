/**
 * Temporal's two PostgreSQL databases (`temporal`, `temporal_visibility`) with their schemas, made
 * by the SQL tool of the same server module (go.temporal.io/server/cmd/tools/sql) from the schemas
 * embedded in it: what docker-compose's `temporalio/auto-setup` image does at start. Idempotent:
 * an existing database is kept and its schema updated to the tool's latest version.
 */
import { join } from 'node:path';
import { runToCompletion } from './child-process';
import { ensureGoProgram } from './go-binaries';
import type { PostgresEndpoint } from './postgres';

export const TEMPORAL_DATABASES = [
  { database: 'temporal', schema: 'postgresql/v12/temporal' },
  { database: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
] as const;

export async function setUpTemporalSchema(pg: PostgresEndpoint, logDir: string): Promise<void> {
  const tool = await ensureGoProgram('sqlTool');
  for (const { database, schema } of TEMPORAL_DATABASES) {
    // The password through the environment, not on a command line that `ps` shows.
    const env = {
      ...process.env,
      SQL_PLUGIN: 'postgres12',
      SQL_HOST: pg.host,
      SQL_PORT: String(pg.port),
      SQL_USER: pg.user,
      SQL_PASSWORD: pg.password,
      SQL_DATABASE: database,
    };
    const run = (step: string, args: string[]) =>
      runToCompletion({
        name: `sql-tool ${database} ${step}`,
        command: tool,
        args,
        env,
        logFile: join(logDir, 'temporal-schema.log'),
      });
    try {
      await run('create-database', ['create-database']);
    } catch (err) {
      if (!/already exists/.test((err as Error).message)) throw err;
    }
    // Version 0.0 is only the versioning table when the database is new; on an existing one the
    // tool finds it and goes on.
    await run('setup-schema', ['setup-schema', '-v', '0.0']);
    await run('update-schema', ['update-schema', '--schema-name', schema]);
  }
}
