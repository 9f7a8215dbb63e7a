import './console.css';
import { Unavailable } from './api.js';
import { h } from './dom.js';
import { alert } from './pages/alert.js';
import { host } from './pages/host.js';
import { live } from './pages/live.js';
import { overview } from './pages/overview.js';
import { search } from './pages/search.js';

/** The page the path names, as the server's list of page paths has them (src/api/server.ts). */
function route(main: HTMLElement): Promise<void> | void {
  const path = location.pathname;
  const hostMatch = path.match(/^\/hosts\/([^/]+)$/);
  if (hostMatch) return host(main, decodeURIComponent(hostMatch[1]));
  const alertMatch = path.match(/^\/alerts\/([^/]+)$/);
  if (alertMatch) return alert(main, decodeURIComponent(alertMatch[1]));
  if (path === '/search') return search(main);
  if (path === '/live') return live(main);
  return overview(main);
}

function trouble(err: unknown): HTMLElement {
  if (err instanceof Unavailable)
    return h(
      'div',
      { class: 'error', role: 'alert' },
      h('h1', {}, 'Elasticsearch is not answering'),
      h('p', {}, 'flowtrail is running, but the cluster that holds the flows did not answer, so there is nothing to show. Reload once it is back.'),
    );
  return h('div', { class: 'error', role: 'alert' }, h('h1', {}, 'This page could not be shown'), h('p', {}, (err as Error).message));
}

const main = document.getElementById('main') as HTMLElement;
for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a'))
  if (link.pathname === location.pathname) link.setAttribute('aria-current', 'page');
Promise.resolve()
  .then(() => route(main))
  .catch((err) => main.replaceChildren(trouble(err)))
  .finally(() => {
    main.setAttribute('aria-busy', 'false');
    document.title = `${main.querySelector('h1')?.textContent ?? 'flowtrail'} · flowtrail`;
  });
