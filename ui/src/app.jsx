// The UI's frame: the navigation, the banner shown while the API is
// unreachable, and the page the URL names.

import { useEffect, useState } from 'preact/hooks';
import { isReachable, onReachability } from './lib/api.js';
import { href, useRoute } from './lib/router.js';
import { QueryPage } from './pages/query.jsx';
import { LogsPage } from './pages/logs.jsx';
import { DashboardsPage } from './pages/dashboards.jsx';
import { PipelinePage } from './pages/pipeline.jsx';
import { HealthPage } from './pages/health.jsx';
import { StatusPage } from './pages/status.jsx';

export const PAGES = [
  ['query', 'Query', QueryPage],
  ['logs', 'Logs', LogsPage],
  ['dashboards', 'Dashboards', DashboardsPage],
  ['pipeline', 'Pipeline', PipelinePage],
  ['health', 'Health', HealthPage],
  ['status', 'Status', StatusPage],
];

function Banner() {
  const [state, setState] = useState({ ok: isReachable(), why: '' });
  useEffect(() => onReachability((ok, why) => setState({ ok, why: why || '' })), []);
  if (state.ok) return null;
  return (
    <div class="banner" role="alert">
      Vigil's API is unreachable from this page{state.why ? ` (${state.why})` : ''}. Is `vigil serve` still running?
      The page retries on its own.
    </div>
  );
}

export function App() {
  const route = useRoute();
  const page = PAGES.find(([id]) => id === route.page);
  useEffect(() => {
    document.title = page ? `${page[1]} · Vigil` : 'Vigil';
  }, [route.page]);
  return (
    <div class="app">
      <header>
        <a class="brand" href={href('pipeline')} title="Vigil: the pipeline view">
          Vigil
        </a>
        <nav>
          {PAGES.map(([id, label]) => (
            <a href={href(id)} class={id === route.page ? 'on' : ''} aria-current={id === route.page ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <Banner />
      <main>
        {page ? (
          (() => {
            const Page = page[2];
            return <Page params={route.params} rest={route.rest} key={route.page} />;
          })()
        ) : (
          <div class="page">
            <p class="error">No page {JSON.stringify(route.page)}.</p>
          </div>
        )}
      </main>
    </div>
  );
}
