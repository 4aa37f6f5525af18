// Registered models (MLflow's registry) with their aliases, and the serving endpoints.
import { messageOf } from "../../api/client";
import type { RegisteredModel, ServingEndpoint } from "../../api/types";
import { useApi } from "../../api/useApi";

const MODELS = "/mlflow/ajax-api/2.0/mlflow/registered-models/search?max_results=1000";
const ENDPOINTS = "/api/2.0/serving-endpoints";

export default function ModelsPage() {
  const models = useApi<{ registered_models?: RegisteredModel[] }>(MODELS);
  const endpoints = useApi<{ endpoints?: ServingEndpoint[] }>(ENDPOINTS);
  return (
    <main className="page">
      <h1>Models</h1>
      <h2>Registered models</h2>
      {models.loading && <p className="loading">Loading (MLflow starts on first use)…</p>}
      {models.error !== undefined && <p className="error-box">{messageOf(models.error)}</p>}
      {models.data && (models.data.registered_models ?? []).length === 0 && (
        <p className="muted">No registered model yet (the ml_demo job registers one).</p>
      )}
      {models.data && (models.data.registered_models ?? []).length > 0 && (
        <table className="plain" aria-label="Registered models">
          <thead>
            <tr>
              <th>Model</th>
              <th>Aliases</th>
              <th>Latest version</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {(models.data.registered_models ?? []).map((m) => (
              <tr key={m.name}>
                <td>
                  <a href={`/mlflow/#/models/${encodeURIComponent(m.name)}`}>{m.name}</a>
                </td>
                <td>
                  {(m.aliases ?? []).map((a) => (
                    <span className="chip accent" key={a.alias}>
                      @{a.alias} → v{a.version}
                    </span>
                  ))}
                </td>
                <td>{latestVersion(m)}</td>
                <td>{m.last_updated_timestamp ? new Date(m.last_updated_timestamp).toLocaleString() : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Serving endpoints</h2>
      {endpoints.error !== undefined && <p className="error-box">{messageOf(endpoints.error)}</p>}
      {endpoints.data && (endpoints.data.endpoints ?? []).length === 0 && <p className="muted">No serving endpoint.</p>}
      {endpoints.data && (endpoints.data.endpoints ?? []).length > 0 && (
        <table className="plain" aria-label="Serving endpoints">
          <thead>
            <tr>
              <th>Endpoint</th>
              <th>Serves</th>
              <th>State</th>
              <th>URL</th>
            </tr>
          </thead>
          <tbody>
            {(endpoints.data.endpoints ?? []).map((e) => (
              <tr key={e.name}>
                <td>{e.name}</td>
                <td>
                  {e.config.served_entities.map((s) => (
                    <div key={s.name}>
                      {s.entity_name}
                      {s.alias ? `@${s.alias}` : ""}
                      {s.entity_version != null ? ` (v${s.entity_version})` : ""}
                      {s.state.deployment_state_message ? (
                        <div className="muted">{s.state.deployment_state_message}</div>
                      ) : null}
                    </div>
                  ))}
                </td>
                <td>{e.state.ready === "READY" ? "ready" : e.state.ready.toLowerCase().replaceAll("_", " ")}</td>
                <td>
                  <code>/serving-endpoints/{e.name}/invocations</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function latestVersion(model: RegisteredModel): string {
  const versions = (model.latest_versions ?? []).map((v) => Number(v.version)).filter(Number.isFinite);
  return versions.length ? `v${Math.max(...versions)}` : "";
}
