import { Component, type ReactNode } from "react";
import { messageOf } from "../api/client";

interface State {
  error: unknown;
}

/** A page that failed to render: say what happened, keep the nav bar, offer a reload. */
export class PageErrorBoundary extends Component<{ children: ReactNode }, State> {
  state: State = { error: undefined };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  render() {
    if (this.state.error === undefined) return this.props.children;
    return (
      <main className="page" role="alert">
        <h1>This page failed</h1>
        <p className="error-box">{messageOf(this.state.error)}</p>
        <p>
          <button type="button" onClick={() => window.location.reload()}>
            Reload the page
          </button>
        </p>
      </main>
    );
  }
}
