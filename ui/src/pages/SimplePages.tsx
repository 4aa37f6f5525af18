import { Link } from "react-router";

export function NotFoundPage() {
  return (
    <main className="page">
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. Try the <Link to="/catalog">catalog</Link> or the{" "}
        <Link to="/sql">SQL editor</Link>.
      </p>
    </main>
  );
}
