// Which scope each hub request needs: writes to a label need publish:LABEL, operator actions need admin, the rest read.
import { HUB_ROUTES } from '../core/hub-api.js';

/** The scope one request needs; `heartbeat` means any token, but only for its own node unless admin. */
export type RequiredScope = { kind: 'read' } | { kind: 'publish'; label: string } | { kind: 'admin' } | { kind: 'heartbeat' };

const PUBLISH_ROUTES = new Set<string>([`PUT ${HUB_ROUTES.artifact}`, `DELETE ${HUB_ROUTES.artifact}`, `POST ${HUB_ROUTES.changesets}`]);
const ADMIN_ROUTES = new Set<string>([`POST ${HUB_ROUTES.rollback}`, `POST ${HUB_ROUTES.replay}`, `DELETE ${HUB_ROUTES.node}`]);

/** The scope a request to route pattern `route` with `method` needs; `label` is the route's decoded `:label`. */
export function requiredScope(method: string, route: string, label: string | undefined): RequiredScope {
  const key = `${method} ${route}`;
  if (PUBLISH_ROUTES.has(key)) return { kind: 'publish', label: label ?? '' };
  if (ADMIN_ROUTES.has(key)) return { kind: 'admin' };
  if (key === `POST ${HUB_ROUTES.heartbeat}`) return { kind: 'heartbeat' };
  return { kind: 'read' };
}
