import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { api, messageOf } from "../api/client";
import { safeNext, setSession, type Session } from "../api/session";

/** Sign in with a user and password, or an API token; then back to the page asked for. */
export function LoginPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const [withToken, setWithToken] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body = withToken
      ? { token: String(form.get("token") ?? "") }
      : { user: String(form.get("user") ?? ""), password: String(form.get("password") ?? "") };
    setBusy(true);
    setError(undefined);
    try {
      const me = await api<Session>("/api/auth/login", { method: "POST", body, toastServerErrors: false });
      setSession({ user: me.user, role: me.role, csrf_token: me.csrf_token });
      window.location.assign(next); // a full load: MLflow's pages live outside this app
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  };

  return (
    <main className="page">
      <form className="panel login" onSubmit={(event) => void submit(event)} aria-label="Sign in">
        <h1>Sign in to Brickyard</h1>
        {withToken ? (
          <label>
            API token
            <input name="token" type="password" autoComplete="off" required autoFocus />
          </label>
        ) : (
          <>
            <label>
              User
              <input name="user" type="text" autoComplete="username" required autoFocus />
            </label>
            <label>
              Password
              <input name="password" type="password" autoComplete="current-password" required />
            </label>
          </>
        )}
        {error && (
          <p className="error-box" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <button type="button" className="link" onClick={() => setWithToken(!withToken)}>
          {withToken ? "Sign in with a user and password" : "Sign in with an API token"}
        </button>
      </form>
    </main>
  );
}
