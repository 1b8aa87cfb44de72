/** Client routes on the History API: `/` (fleet) and `/devices/{id}` (one camera). */
import { useEffect, useState } from 'react';

export type Route = { page: 'fleet' } | { page: 'device'; deviceId: string } | { page: 'unknown' };

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '/devices' || pathname === '/devices/') return { page: 'fleet' };
  const match = /^\/devices\/([^/]+)\/?$/.exec(pathname);
  if (match?.[1] !== undefined) {
    try {
      return { page: 'device', deviceId: decodeURIComponent(match[1]) };
    } catch {
      return { page: 'unknown' };
    }
  }
  return { page: 'unknown' };
}

export const deviceHref = (deviceId: string): string => `/devices/${encodeURIComponent(deviceId)}`;

export function navigate(href: string): void {
  window.history.pushState(null, '', href);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.pathname));
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return route;
}
