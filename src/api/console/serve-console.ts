/**
 * The approval console: static HTML, CSS and ES modules from `static/`, served by the API at
 * /console/ with no build step. The files are public (they hold no data); everything they show comes
 * from the API with the bearer token the user signs in with, so the guard still decides every read
 * and command. The content security policy keeps the page to its own origin: no CDN, no inline script.
 */
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';

export const CONSOLE_PATH = '/console';
export const CONSOLE_STATIC_DIR = join(__dirname, 'static');

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

export function serveConsole(app: NestExpressApplication): void {
  // Relative asset URLs need the trailing slash: /console → /console/.
  app.use(
    CONSOLE_PATH,
    (req: { originalUrl: string }, res: { redirect(code: number, to: string): void }, next: () => void) => {
      const [path, query] = req.originalUrl.split('?');
      if (path === CONSOLE_PATH) return res.redirect(301, `${CONSOLE_PATH}/${query ? `?${query}` : ''}`);
      next();
    },
  );
  app.useStaticAssets(CONSOLE_STATIC_DIR, {
    prefix: `${CONSOLE_PATH}/`,
    index: 'index.html',
    fallthrough: true,
    setHeaders(res: { setHeader(name: string, value: string): void }) {
      res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      // A new release's files must reach an open console on its next load.
      res.setHeader('Cache-Control', 'no-cache');
    },
  });
}
