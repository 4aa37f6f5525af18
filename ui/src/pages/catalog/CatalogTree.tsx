import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from "react";
import { useNavigate } from "react-router";
import { messageOf } from "../../api/client";
import { listCatalogs, listSchemas, listTables } from "../../api/catalog";
import { toasts } from "../../components/toastStore";

type Kind = "catalog" | "schema" | "table";

interface Node {
  key: string; // "c", "c.s", "c.s.t"
  kind: Kind;
  label: string;
  level: number;
  href: string;
}

type Children = Node[] | "loading" | { error: string };

interface Props {
  /** The object on the page (catalog, schema or table parts), selected and revealed. */
  selected: string[];
}

/**
 * Catalogs -> schemas -> tables as an ARIA tree: children load when a node opens; arrows move,
 * Right/Left open and close, Enter or Space opens the item's page.
 */
export function CatalogTree({ selected }: Props) {
  const navigate = useNavigate();
  const [children, setChildren] = useState<Record<string, Children>>({});
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [focusKey, setFocusKey] = useState<string | undefined>();
  const items = useRef(new Map<string, HTMLLIElement>());
  const loading = useRef(new Set<string>());
  const selectedKey = selected.join(".");

  const load = useCallback((key: string) => {
    if (loading.current.has(key)) return;
    loading.current.add(key);
    setChildren((c) => ({ ...c, [key]: "loading" }));
    childrenOf(key).then(
      (nodes) => setChildren((c) => ({ ...c, [key]: nodes })),
      (error: unknown) => {
        loading.current.delete(key); // opening it again tries again
        setChildren((c) => ({ ...c, [key]: { error: messageOf(error) } }));
        toasts.push("Could not list the catalog", messageOf(error));
      },
    );
  }, []);

  useEffect(() => load(""), [load]);

  // Reveal the object on the page: open its catalog and schema.
  useEffect(() => {
    const [catalog, schema] = selected;
    const open: string[] = [];
    if (catalog && selected.length > 1) open.push(catalog);
    if (catalog && schema && selected.length > 2) open.push(`${catalog}.${schema}`);
    if (open.length === 0) return;
    open.forEach(load);
    setExpanded((e) => new Set([...e, ...open]));
    // `selected` is a new array each render; its key says what it holds.
  }, [selectedKey, load]);

  const toggle = (key: string, open?: boolean) => {
    const willOpen = open ?? !expanded.has(key);
    if (willOpen) load(key);
    setExpanded((e) => {
      const next = new Set(e);
      if (willOpen) next.add(key);
      else next.delete(key);
      return next;
    });
  };

  const visible: Node[] = [];
  const walk = (parent: string) => {
    const nodes = children[parent];
    if (!Array.isArray(nodes)) return;
    for (const node of nodes) {
      visible.push(node);
      if (node.kind !== "table" && expanded.has(node.key)) walk(node.key);
    }
  };
  walk("");
  const tabStop = visible.some((n) => n.key === focusKey)
    ? focusKey
    : (visible.find((n) => n.key === selectedKey) ?? visible[0])?.key;

  const moveFocus = (key: string | undefined) => {
    if (!key) return;
    setFocusKey(key);
    items.current.get(key)?.focus();
  };

  const activate = (node: Node) => {
    if (node.kind !== "table") toggle(node.key, true);
    setFocusKey(node.key);
    navigate(node.href);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const at = visible.findIndex((n) => n.key === (focusKey ?? tabStop));
    const node = visible[at];
    if (!node) return;
    const parentKey = node.key.split(".").slice(0, -1).join(".");
    let handled = true;
    switch (event.key) {
      case "ArrowDown":
        moveFocus(visible[at + 1]?.key);
        break;
      case "ArrowUp":
        moveFocus(visible[at - 1]?.key);
        break;
      case "Home":
        moveFocus(visible[0]?.key);
        break;
      case "End":
        moveFocus(visible[visible.length - 1]?.key);
        break;
      case "ArrowRight":
        if (node.kind === "table") break;
        if (!expanded.has(node.key)) toggle(node.key, true);
        else moveFocus(visible[at + 1]?.key);
        break;
      case "ArrowLeft":
        if (node.kind !== "table" && expanded.has(node.key)) toggle(node.key, false);
        else if (parentKey) moveFocus(parentKey);
        break;
      case "Enter":
      case " ":
        activate(node);
        break;
      default:
        handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  };

  const renderLevel = (parent: string) => {
    const nodes = children[parent];
    if (nodes === undefined || nodes === "loading") {
      return (
        <li className="tree-row muted" role="none">
          Loading…
        </li>
      );
    }
    if (!Array.isArray(nodes)) {
      return (
        <li className="tree-row" role="none">
          <span className="muted">Failed: {nodes.error}</span>
        </li>
      );
    }
    if (nodes.length === 0) {
      return (
        <li className="tree-row muted" role="none">
          {parent ? "(empty)" : "No catalogs"}
        </li>
      );
    }
    return nodes.map((node) => {
      const open = expanded.has(node.key);
      return (
        <li
          key={node.key}
          role="treeitem"
          aria-label={node.label}
          aria-level={node.level}
          aria-expanded={node.kind === "table" ? undefined : open}
          aria-selected={node.key === selectedKey}
          tabIndex={node.key === tabStop ? 0 : -1}
          data-key={node.key}
          ref={(element) => {
            if (element) items.current.set(node.key, element);
            else items.current.delete(node.key);
          }}
          onFocus={(event) => {
            if (event.target === event.currentTarget) setFocusKey(node.key);
          }}
        >
          <div
            className={node.key === selectedKey ? "tree-row selected" : "tree-row"}
            style={{ paddingLeft: 8 + (node.level - 1) * 16 }}
            onClick={() => activate(node)}
          >
            <span
              className="tree-toggle"
              aria-hidden="true"
              onClick={(event) => {
                if (node.kind === "table") return;
                event.stopPropagation();
                toggle(node.key);
              }}
            >
              {node.kind === "table" ? "" : open ? "▾" : "▸"}
            </span>
            <span className="tree-kind" aria-hidden="true">
              {node.kind === "catalog" ? "◆" : node.kind === "schema" ? "▣" : "▤"}
            </span>
            <span>{node.label}</span>
          </div>
          {node.kind !== "table" && open && <ul role="group">{renderLevel(node.key)}</ul>}
        </li>
      );
    });
  };

  return (
    <ul role="tree" aria-label="Catalogs, schemas and tables" onKeyDown={onKeyDown}>
      {renderLevel("")}
    </ul>
  );
}

async function childrenOf(key: string): Promise<Node[]> {
  const parts = key ? key.split(".") : [];
  if (parts.length === 0) {
    return (await listCatalogs()).map((c) => node("catalog", [c.name]));
  }
  const [catalog, schema] = parts as [string, string | undefined];
  if (schema === undefined) {
    return (await listSchemas(catalog)).map((s) => node("schema", [catalog, s.name]));
  }
  return (await listTables(catalog, schema, true)).map((t) => node("table", [catalog, schema, t.name]));
}

function node(kind: Kind, parts: string[]): Node {
  return {
    key: parts.join("."),
    kind,
    label: parts[parts.length - 1] ?? "",
    level: parts.length,
    href: "/catalog/" + parts.map(encodeURIComponent).join("/"),
  };
}
