/**
 * Nest's LoggerService over the service's pino logger, so the API's framework lines (bootstrap,
 * uncaught errors, `new Logger(context)` in services) come out as the same JSON as everything else.
 * Nest's `log` level is its bootstrap chatter (every route mapped, every module initialised): debug
 * here, so an INFO log shows what the service did rather than how Nest started.
 */
import type { LoggerService } from '@nestjs/common';
import type { Logger } from 'pino';

type PinoMethod = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export class PinoNestLogger implements LoggerService {
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger.child({ component: 'nest' });
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes the context (a class name) last; `error` may pass a stack before it. */
  private write(method: PinoMethod, message: unknown, params: unknown[]): void {
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined;
    const rest = context === undefined ? params : params.slice(0, -1);
    const stack = method === 'error' && typeof rest[0] === 'string' ? rest[0] : undefined;
    const fields = { ...(context ? { context } : {}), ...(stack ? { stack } : {}) };
    if (message instanceof Error) this.logger[method]({ ...fields, err: message }, message.message);
    else if (typeof message === 'string') this.logger[method](fields, message);
    else this.logger[method]({ ...fields, detail: message }, 'nest');
  }
}
