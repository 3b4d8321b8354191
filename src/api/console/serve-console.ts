/**
 * The approval console: static HTML, CSS and ES modules from `static/`, served by the API at
 * /console/ with no build step. The files are public (they hold no data); everything they show comes
 * from the API with the bearer token the user signs in with, so the guard still decides every read
 * and command. The content security policy keeps the page to its own origin (no CDN, no inline
 * script), plus the identity provider's origin when OIDC sign-in is configured: the page reads its
 * discovery document and exchanges the authorization code there.
 */
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { OidcSignInConfig } from '../../config';
import { consoleConfigBody } from './console-config';

export const CONSOLE_PATH = '/console';
export const CONSOLE_STATIC_DIR = join(__dirname, 'static');

type Response = { setHeader(name: string, value: string): void; end(body: string): void };

export function contentSecurityPolicy(signIn?: OidcSignInConfig): string {
  const connect = ["'self'", ...(signIn ? [new URL(signIn.issuer).origin] : [])];
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}

export function serveConsole(app: NestExpressApplication, signIn?: OidcSignInConfig): void {
  const csp = contentSecurityPolicy(signIn);
  const config = JSON.stringify(consoleConfigBody(signIn));
  // Relative asset URLs need the trailing slash: /console → /console/.
  app.use(
    CONSOLE_PATH,
    (req: { originalUrl: string }, res: { redirect(code: number, to: string): void }, next: () => void) => {
      const [path, query] = req.originalUrl.split('?');
      if (path === CONSOLE_PATH) return res.redirect(301, `${CONSOLE_PATH}/${query ? `?${query}` : ''}`);
      next();
    },
  );
  // What the page needs before anyone signs in, so it is public: the sign-in choices, no secret.
  app.use(`${CONSOLE_PATH}/config.json`, (req: { method: string }, res: Response, next: () => void) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.end(config);
  });
  app.useStaticAssets(CONSOLE_STATIC_DIR, {
    prefix: `${CONSOLE_PATH}/`,
    index: 'index.html',
    fallthrough: true,
    setHeaders(res: { setHeader(name: string, value: string): void }) {
      res.setHeader('Content-Security-Policy', csp);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      // A new release's files must reach an open console on its next load.
      res.setHeader('Cache-Control', 'no-cache');
    },
  });
}
