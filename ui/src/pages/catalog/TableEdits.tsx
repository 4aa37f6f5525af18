// The table's comment and tags, each editable in place (PATCH /tables/{full_name}).
import { useState, type FormEvent } from "react";
import { messageOf } from "../../api/client";
import { updateTable } from "../../api/catalog";
import type { TableInfo } from "../../api/types";

interface Props {
  info: TableInfo;
  onChange: () => void; // the table changed: load it again
}

export function CommentEditor({ info, onChange }: Props) {
  const [draft, setDraft] = useState<string | undefined>(); // undefined: not editing
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    try {
      await updateTable(info.full_name, { comment: draft?.trim() ? draft.trim() : null });
      setDraft(undefined);
      onChange();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setSaving(false);
    }
  };

  if (draft === undefined)
    return (
      <p style={{ margin: "0 0 6px" }}>
        {info.comment ? <span>{info.comment}</span> : <span className="muted">No comment</span>}{" "}
        <button type="button" className="link" onClick={() => setDraft(info.comment ?? "")}>
          Edit comment
        </button>
      </p>
    );
  return (
    <form onSubmit={save} style={{ margin: "0 0 6px" }} aria-label="Edit comment">
      <label className="visually-hidden" htmlFor="table-comment">
        Comment
      </label>
      <textarea
        id="table-comment"
        value={draft}
        rows={2}
        style={{ width: "100%", maxWidth: 640, display: "block", marginBottom: 4 }}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") setDraft(undefined);
        }}
        autoFocus
      />
      <button type="submit" className="primary" disabled={saving}>
        Save comment
      </button>{" "}
      <button type="button" onClick={() => setDraft(undefined)} disabled={saving}>
        Cancel
      </button>
      {error && <p className="error-box">{error}</p>}
    </form>
  );
}

export function TagsEditor({ info, onChange }: Props) {
  const tags = info.properties ?? {};
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const change = async (next: Record<string, string>) => {
    setSaving(true);
    setError(undefined);
    try {
      await updateTable(info.full_name, { properties: next });
      onChange();
      return true;
    } catch (e) {
      setError(messageOf(e));
      return false;
    } finally {
      setSaving(false);
    }
  };
  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (!key.trim()) return;
    if (await change({ ...tags, [key.trim()]: value.trim() })) {
      setKey("");
      setValue("");
    }
  };
  const remove = (name: string) => {
    const next = { ...tags };
    delete next[name];
    void change(next);
  };

  return (
    <div>
      <ul className="tag-list" aria-label="Tags" style={{ display: "inline", padding: 0, margin: 0 }}>
        {Object.entries(tags).map(([name, text]) => (
          <li key={name} className="chip accent" style={{ display: "inline-block" }}>
            {text ? `${name}: ${text}` : name}{" "}
            <button
              type="button"
              className="link"
              aria-label={`Remove tag ${name}`}
              title="Remove tag"
              disabled={saving}
              onClick={() => remove(name)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={add} aria-label="Add tag" style={{ display: "inline-flex", gap: 4, marginLeft: 4 }}>
        <input
          type="text"
          aria-label="Tag name"
          placeholder="tag"
          value={key}
          size={10}
          onChange={(event) => setKey(event.target.value)}
        />
        <input
          type="text"
          aria-label="Tag value"
          placeholder="value"
          value={value}
          size={10}
          onChange={(event) => setValue(event.target.value)}
        />
        <button type="submit" disabled={saving || !key.trim()}>
          Add tag
        </button>
      </form>
      {error && <p className="error-box">{error}</p>}
    </div>
  );
}
