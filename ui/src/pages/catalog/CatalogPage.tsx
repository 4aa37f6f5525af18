import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { messageOf } from "../../api/client";
import { listCatalogs, listSchemas, listTables, searchCatalog, type SearchHit } from "../../api/catalog";
import { useLoad } from "../../api/useApi";
import { CatalogTree } from "./CatalogTree";
import { TablePage } from "./TablePage";

/** The catalog explorer: search and tree on the left, the selected object on the right. */
export default function CatalogPage() {
  const { catalog, schema, table } = useParams();
  const selected = [catalog, schema, table].filter((p): p is string => p !== undefined);
  const [query, setQuery] = useState("");

  return (
    <main className="page full">
      <div className="catalog">
        <aside className="catalog-side" aria-label="Catalog browser">
          <div className="search" role="search">
            <label className="visually-hidden" htmlFor="catalog-search">
              Search tables
            </label>
            <input
              id="catalog-search"
              type="search"
              placeholder="Search names, comments, tags, columns"
              value={query}
              onChange={(event) => setQuery(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === "Escape") setQuery("");
              }}
              autoComplete="off"
            />
          </div>
          <div className="side-body">
            {query.trim() ? <SearchResults query={query} /> : <CatalogTree selected={selected} />}
          </div>
        </aside>
        <div className="catalog-main">
          {catalog && schema && table ? (
            <TablePage key={`${catalog}.${schema}.${table}`} catalog={catalog} schema={schema} table={table} />
          ) : catalog && schema ? (
            <SchemaOverview catalog={catalog} schema={schema} />
          ) : catalog ? (
            <CatalogOverview catalog={catalog} />
          ) : (
            <Landing />
          )}
        </div>
      </div>
    </main>
  );
}

const SEARCH_DELAY_MS = 200; // wait for a pause in typing before asking the server

function SearchResults({ query }: { query: string }) {
  const [debounced, setDebounced] = useState(query.trim());
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(query.trim()), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [query]);
  const found = useLoad(debounced ? `search:${debounced}` : null, (signal) => searchCatalog(debounced, signal));
  if (found.error !== undefined) return <p className="error-box">{messageOf(found.error)}</p>;
  if (!found.data)
    return (
      <p className="loading" style={{ padding: "0 12px" }}>
        Searching…
      </p>
    );
  const hits = found.data;
  return (
    <>
      <p className="muted" style={{ padding: "0 12px", margin: "4px 0" }} role="status">
        {hits.length === 0 ? "Nothing matches" : `${hits.length} match${hits.length === 1 ? "" : "es"}`}
      </p>
      <ul className="search-hits" aria-label="Search results">
        {hits.map((hit) => {
          const parts = hit.full_name.split(".");
          const opened = parts.slice(0, 3); // a column's hit opens its table
          const name = opened[opened.length - 1] ?? hit.full_name;
          const where = opened.slice(0, -1).join(".");
          const why = describeHit(hit, parts[3]);
          return (
            <li key={`${hit.kind}:${hit.full_name}:${hit.matched}:${hit.text}`}>
              <Link to={`/catalog/${opened.map(encodeURIComponent).join("/")}`}>
                <div className="hit-name">{name}</div>
                <div className="hit-why">
                  {where ? `${where} · ` : ""}
                  {why}
                </div>
              </Link>
            </li>
          );
        })}
      </ul>
    </>
  );
}

/** What matched, e.g. "name", "tag team=ui", "column signup_date: when they joined". */
function describeHit(hit: SearchHit, column: string | undefined): string {
  const what = hit.matched === "name" ? "name" : hit.matched === "tag" ? `tag ${hit.text}` : `comment: ${hit.text}`;
  if (hit.kind === "column")
    return hit.matched === "name" ? `column ${column ?? hit.text}` : `column ${column} ${what}`;
  return hit.kind === "table" ? what : `${hit.kind} ${what}`;
}

function Landing() {
  const catalogs = useLoad("catalogs", () => listCatalogs());
  return (
    <>
      <h1>Catalog</h1>
      <p className="muted">
        Browse catalogs, schemas and tables on the left, or search them by name, comment, tag or column.
      </p>
      {catalogs.error !== undefined && <p className="error-box">{messageOf(catalogs.error)}</p>}
      {catalogs.data && (
        <table className="plain">
          <thead>
            <tr>
              <th>Catalog</th>
              <th>Comment</th>
            </tr>
          </thead>
          <tbody>
            {catalogs.data.map((c) => (
              <tr key={c.name}>
                <td>
                  <Link to={`/catalog/${encodeURIComponent(c.name)}`}>{c.name}</Link>
                </td>
                <td>{c.comment ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function CatalogOverview({ catalog }: { catalog: string }) {
  const schemas = useLoad(`schemas:${catalog}`, () => listSchemas(catalog));
  return (
    <>
      <div className="crumbs">
        <Link to="/catalog">Catalogs</Link> /
      </div>
      <h1>{catalog}</h1>
      {schemas.loading && <p className="loading">Loading…</p>}
      {schemas.error !== undefined && <p className="error-box">{messageOf(schemas.error)}</p>}
      {schemas.data && (
        <table className="plain">
          <thead>
            <tr>
              <th>Schema</th>
              <th>Comment</th>
            </tr>
          </thead>
          <tbody>
            {schemas.data.map((s) => (
              <tr key={s.name}>
                <td>
                  <Link to={`/catalog/${encodeURIComponent(catalog)}/${encodeURIComponent(s.name)}`}>{s.name}</Link>
                </td>
                <td>{s.comment ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function SchemaOverview({ catalog, schema }: { catalog: string; schema: string }) {
  const tables = useLoad(`tables:${catalog}.${schema}`, () => listTables(catalog, schema, true));
  const base = `/catalog/${encodeURIComponent(catalog)}/${encodeURIComponent(schema)}`;
  return (
    <>
      <div className="crumbs">
        <Link to="/catalog">Catalogs</Link> / <Link to={`/catalog/${encodeURIComponent(catalog)}`}>{catalog}</Link> /
      </div>
      <h1>{schema}</h1>
      {tables.loading && <p className="loading">Loading…</p>}
      {tables.error !== undefined && <p className="error-box">{messageOf(tables.error)}</p>}
      {tables.data && (
        <table className="plain">
          <thead>
            <tr>
              <th>Table</th>
              <th>Comment</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {tables.data.map((t) => (
              <tr key={t.name}>
                <td>
                  <Link to={`${base}/${encodeURIComponent(t.name)}`}>{t.name}</Link>
                </td>
                <td>{t.comment ?? ""}</td>
                <td>{t.updated_at ? new Date(t.updated_at).toLocaleString() : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
