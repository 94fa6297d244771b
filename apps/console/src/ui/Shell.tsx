import { Link, Route, Router, Switch, useRoute } from 'wouter'
import { useSession } from '../auth/session'
import { useLiveUpdates } from '../live/useLiveUpdates'
import { ApiKeysPage } from '../pages/ApiKeysPage'
import { AuditPage } from '../pages/AuditPage'
import { FleetPage } from '../pages/FleetPage'
import { OrdersPage } from '../pages/OrdersPage'
import { PrintJobPage } from '../pages/PrintJobPage'
import { QueuePage } from '../pages/QueuePage'
import { mayOpen, PAGES, type PageEntry } from '../pages/registry'
import { ScansPage } from '../pages/ScansPage'
import { StaffPage } from '../pages/StaffPage'
import { WebhooksPage } from '../pages/WebhooksPage'
import { Page } from './Page'

const COMPONENTS: Record<string, () => React.JSX.Element> = {
  '/': FleetPage,
  '/queue': QueuePage,
  '/scans': ScansPage,
  '/orders': OrdersPage,
  '/audit': AuditPage,
  '/staff': StaffPage,
  '/api-keys': ApiKeysPage,
  '/webhooks': WebhooksPage,
}

function NavLink({ page }: { page: PageEntry }) {
  const [active] = useRoute(page.path)
  return (
    <li>
      <Link href={page.path} aria-current={active ? 'page' : undefined}>
        {page.title}
      </Link>
    </li>
  )
}

/** A page the role may not open, reached by a typed URL: the API would refuse its calls anyway. */
function NotAvailable() {
  return (
    <Page title="Not available to your role">
      <p>This page is for admins. Use the navigation to open a page your role may use.</p>
    </Page>
  )
}

function Routes() {
  const { role } = useSession()
  return (
    <Switch>
      {PAGES.map((page) => {
        const Component = COMPONENTS[page.path]
        return (
          <Route key={page.path} path={page.path}>
            {Component && mayOpen(page, role) ? <Component /> : <NotAvailable />}
          </Route>
        )
      })}
      <Route path="/queue/:id">{(params) => <PrintJobPage id={params.id} />}</Route>
      <Route>
        <Page title="Page not found">
          <p>
            There is no such page. <Link href="/">Go to the fleet</Link>.
          </p>
        </Page>
      </Route>
    </Switch>
  )
}

/** The signed-in frame: header (role, Sign out), the role's navigation, the live banner, the page. */
export function Shell() {
  const { role, signOut } = useSession()
  const { down } = useLiveUpdates()
  return (
    <Router base="/console">
      <header className="site-header">
        <span className="brand">PrintForge console</span>
        <nav aria-label="Main">
          <ul>
            {PAGES.filter((page) => mayOpen(page, role)).map((page) => (
              <NavLink key={page.path} page={page} />
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>Signed in as {role}</span>
          <button type="button" className="secondary" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main>
        {down && (
          <p className="banner" role="status">
            Live updates paused — reconnecting
          </p>
        )}
        <Routes />
      </main>
    </Router>
  )
}
