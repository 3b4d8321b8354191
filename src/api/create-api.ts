/** Builds the Nest application (not yet listening) from its dependencies. */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { LoggerService, LogLevel } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { serveConsole } from './console/serve-console';
import type { ApiDependencies } from './core.module';
import { setupOpenApi } from './openapi/setup-openapi';

export type { ApiDependencies } from './core.module';

export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

export async function createApi(
  deps: ApiDependencies,
  options: { logger?: LoggerService | LogLevel[] | false } = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(deps), {
    logger: options.logger ?? ['error', 'warn'],
    // JSON only, with an explicit limit: a larger body is a 413 before any parsing or validation.
    bodyParser: false,
  });
  app.useBodyParser('json', { limit: deps.settings.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES });
  app.enableShutdownHooks();
  serveConsole(app, deps.consoleSignIn);
  setupOpenApi(app);
  return app;
}
