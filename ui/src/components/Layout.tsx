import { Suspense, useEffect } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import { api } from "../api/client";
import { useConnection } from "../api/connection";
import { setSession, useSession } from "../api/session";
import { PageErrorBoundary } from "./PageErrorBoundary";
import { Toasts } from "./Toasts";

const PAGES = [
  { to: "/catalog", label: "Catalog" },
  { to: "/sql", label: "SQL" },
  { to: "/jobs", label: "Jobs" },
] as const;

// MLflow's experiments list in its model-training view (MLflow 3 opens on its GenAI view).
const EXPERIMENTS = "/mlflow/#/experiments?workflowType=machine_learning";
// Where MLflow's UI (same origin) keeps that choice for its experiment pages (checked by
// tests/ml/test_mlflow_contract.py). Set once if unset: MLflow's own toggle changes it.
const MLFLOW_VIEW_KEY = "mlflow.workflowType_v1";

function preferModelTrainingInMlflow(): void {
  try {
    if (localStorage.getItem(MLFLOW_VIEW_KEY) === null) {
      localStorage.setItem(MLFLOW_VIEW_KEY, JSON.stringify("machine_learning"));
    }
  } catch {
    // storage off: MLflow opens on its default view
  }
}

/** Every page: the nav bar, the offline banner, the page itself and the toasts. */
export function Layout() {
  const connection = useConnection();
  const { pathname } = useLocation();
  useEffect(preferModelTrainingInMlflow, []);
  return (
    <div className="app">
      <header>
        <nav className="topnav" aria-label="Main">
          <NavLink to="/" className="brand" end>
            <img src="/favicon.svg" alt="" />
            Brickyard
          </NavLink>
          {PAGES.map((page) => (
            <NavLink key={page.to} to={page.to} className="navlink">
              {page.label}
            </NavLink>
          ))}
          {/* MLflow's own UI: a full page load, outside this app. */}
          <a href={EXPERIMENTS} className="navlink">
            Experiments
          </a>
          <NavLink to="/models" className="navlink">
            Models
          </NavLink>
          <SignedIn />
        </nav>
      </header>
      {connection === "offline" && (
        <div className="offline-banner" role="status">
          The server is not answering; reconnecting… (pages resume on their own once it is back)
        </div>
      )}
      {/* Keyed by page: a failed page does not outlive a move to another one. */}
      <PageErrorBoundary key={pathname.split("/")[1] ?? ""}>
        <Suspense fallback={<main className="page loading">Loading…</main>}>
          <Outlet />
        </Suspense>
      </PageErrorBoundary>
      <Toasts />
    </div>
  );
}

/** Who is signed in (servers with auth on), and signing out. */
function SignedIn() {
  const session = useSession();
  if (!session) return null;
  const signOut = async () => {
    try {
      await api("/api/auth/logout", { method: "POST", body: {} });
    } finally {
      setSession(null);
      window.location.assign("/login");
    }
  };
  return (
    <span className="signed-in">
      <span>
        {session.user} <span className="role">({session.role})</span>
      </span>
      <button type="button" onClick={() => void signOut()}>
        Sign out
      </button>
    </span>
  );
}
