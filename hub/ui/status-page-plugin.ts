// GET /ui: the read-only status page. A browser gives its token once as `?token=`; the hub keeps it in an HttpOnly
// cookie scoped to /ui and redirects to the bare URL, so the token leaves the address bar and the history.
import type { FastifyInstance } from 'fastify';
import { HUB_ROUTES } from '../../core/hub-api.js';
import { UI_TOKEN_COOKIE } from '../bearer-auth.js';
import type { HubDeps } from '../hub-deps.js';
import { renderStatusPage } from './status-page-html.js';
import { readStatusView } from './status-view.js';

/** How long the browser keeps the token cookie, in seconds. */
const COOKIE_MAX_AGE_S = 8 * 3600;

/** Registers the status page (bearer-auth has already checked the token, from header, query or cookie). */
export function statusPagePlugin(app: FastifyInstance, deps: HubDeps, done: (err?: Error) => void): void {
  app.get<{ Querystring: { token?: string } }>(HUB_ROUTES.ui, async (request, reply) => {
    const token = request.query.token;
    if (token !== undefined && token !== '') {
      const secure = request.protocol === 'https' ? '; Secure' : '';
      return reply.code(303)
        .header('set-cookie', `${UI_TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=${HUB_ROUTES.ui}; HttpOnly; SameSite=Strict; Max-Age=${COOKIE_MAX_AGE_S}${secure}`)
        .header('location', HUB_ROUTES.ui).send();
    }
    const html = renderStatusPage(await readStatusView(deps));
    return reply.type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
      .send(html);
  });
  done();
}
