/** Hash routes: `#/`, `#/join/ID`, `#/play/ID`, `#/host`, `#/host/ID`. */

import { normaliseJoinCode } from './joinCode';

export type Route =
  | { page: 'join'; code: string }
  | { page: 'play'; code: string }
  | { page: 'host' }
  | { page: 'host-session'; code: string };

/** Parse the location hash into a route (unknown hashes go to the join page). */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\?.*$/, '');
  const parts = path.split('/').filter(Boolean);
  const [first, second] = parts;
  const code = second ? normaliseJoinCode(decodeURIComponent(second)) : '';
  if (first === 'host') return code ? { page: 'host-session', code } : { page: 'host' };
  if (first === 'play' && code) return { page: 'play', code };
  if (first === 'join') return { page: 'join', code };
  return { page: 'join', code: '' };
}

/** Return the hash of a route. */
export function routeHash(route: Route): string {
  switch (route.page) {
    case 'join':
      return route.code ? `#/join/${route.code}` : '#/';
    case 'play':
      return `#/play/${route.code}`;
    case 'host':
      return '#/host';
    case 'host-session':
      return `#/host/${route.code}`;
  }
}
