// The UI's pages live under /ui/<page>, with each page's state in the URL's
// query string, so any view can be shared by copying the address bar.

import { useEffect, useRef, useState } from 'preact/hooks';

const BASE = '/ui/';
const EVENT = 'vigil:navigate';

export function currentRoute() {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : '';
  const [page = '', ...rest] = path.split('/');
  return { page: page || 'query', rest, params: new URLSearchParams(location.search) };
}

export function href(page, params) {
  const q = params ? new URLSearchParams(params).toString() : '';
  return `${BASE}${page}${q ? `?${q}` : ''}`;
}

// Goes to a page (pushing history) or, with replace, rewrites the current
// entry (used to mirror a page's state into the URL as it changes).
export function navigate(url, { replace = false } = {}) {
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event(EVENT));
}

export function useRoute() {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    window.addEventListener('popstate', update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return route;
}

// Intercepts clicks on same-origin /ui/ links so they navigate without a
// page load.
export function interceptLinks(root) {
  root.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target.closest && e.target.closest('a[href]');
    if (!a || a.target || !a.getAttribute('href').startsWith(BASE)) return;
    e.preventDefault();
    navigate(a.getAttribute('href'));
  });
}

// A page's state mirrored into its URL. The state follows the URL when it
// changes under the page (back, or the nav link), but not to a URL the page
// wrote itself: effects run late, and an older one would undo the last
// keystroke and move the cursor. Returns [state, update(patch)].
export function useUrlState(params, fromUrl, toUrl) {
  const [state, setState] = useState(() => fromUrl(params));
  const written = useRef('');
  const search = params.toString();
  useEffect(() => {
    if (location.pathname + location.search !== written.current) setState(fromUrl(params));
  }, [search]);
  const update = (patch) => {
    const next = { ...state, ...patch };
    setState(next);
    written.current = toUrl(next);
    navigate(written.current, { replace: true });
  };
  return [state, update];
}
