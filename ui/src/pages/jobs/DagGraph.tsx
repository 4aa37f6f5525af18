// The job's DAG as an SVG graph laid out by dagre (layered, left to right); nodes are
// coloured by the state of each task in the selected run. The layout is computed once per
// job shape. Dagre rather than ELK: ELK's first layout in a page (a 1.5 MB GWT build, cold)
// took about a second for 300 tasks, dagre's (49 kB) a fifth of that.
import { useEffect, useState } from "react";
import type { Point } from "@dagrejs/dagre";
import { colourOf } from "./states";

export interface DagTask {
  task_key: string;
  depends_on?: { task_key: string }[];
}

interface Layout {
  width: number;
  height: number;
  nodes: { key: string; x: number; y: number; width: number; height: number }[];
  edges: { id: string; path: string }[];
}

const NODE_HEIGHT = 26;

export function DagGraph(props: {
  tasks: DagTask[];
  states: Record<string, string>;
  onOpen: (taskKey: string) => void;
}) {
  const { tasks, states, onOpen } = props;
  const [layout, setLayout] = useState<Layout | null>(null);
  const [error, setError] = useState<string | null>(null);
  const signature = tasks
    .map((t) => `${t.task_key}<${(t.depends_on ?? []).map((d) => d.task_key).join(",")}`)
    .join(";");

  useEffect(() => {
    let gone = false;
    layoutOf(tasks, signature).then(
      (found) => {
        if (!gone) setLayout(found);
      },
      (e: unknown) => {
        if (!gone) setError(String(e));
      },
    );
    return () => {
      gone = true;
    };
    // the signature says what the layout depends on
  }, [signature]);

  if (error) return <p className="error-box">Could not lay out the graph: {error}</p>;
  if (!layout) return <p className="loading">Laying out the graph…</p>;
  return (
    <div className="dag">
      <svg
        width={layout.width}
        height={layout.height}
        role="group"
        aria-label="Task graph"
        data-ready="true"
        viewBox={`0 0 ${layout.width} ${layout.height}`}
      >
        <defs>
          <marker id="dag-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" fill="#6b7280" />
          </marker>
        </defs>
        {layout.edges.map((e) => (
          <path key={e.id} d={e.path} fill="none" stroke="#9ca3af" strokeWidth={1.2} markerEnd="url(#dag-arrow)" />
        ))}
        {layout.nodes.map((n) => {
          const state = states[n.key];
          return (
            <g
              key={n.key}
              className="dag-node"
              data-task={n.key}
              data-state={state ?? "none"}
              transform={`translate(${n.x},${n.y})`}
              tabIndex={0}
              role="link"
              aria-label={`${n.key}: ${state ?? "not run"}`}
              onClick={() => onOpen(n.key)}
              onKeyDown={(e) => {
                if (e.key === "Enter") onOpen(n.key);
              }}
            >
              <title>{`${n.key}: ${state ?? "not run"}`}</title>
              <rect width={n.width} height={n.height} rx={4} fill={colourOf(state)} stroke="#4b5563" />
              <text x={8} y={n.height / 2 + 4}>
                {n.key}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

let layoutLibrary: Promise<typeof import("@dagrejs/dagre")> | null = null;

function layoutEngine(): Promise<typeof import("@dagrejs/dagre")> {
  layoutLibrary ??= import("@dagrejs/dagre");
  return layoutLibrary;
}

/** Start loading the layout library (its own chunk) before the graph needs it. */
export function preloadLayout(): void {
  void layoutEngine();
}

// Layouts by job shape: a job's graph is laid out once per page load and definition (states
// change, the shape rarely does), kept for the session.
const LAYOUTS = new Map<string, Promise<Layout>>();
const STORED = "brickyard.dag-layout:";

function layoutOf(tasks: DagTask[], signature: string): Promise<Layout> {
  let found = LAYOUTS.get(signature);
  if (!found) {
    const stored = sessionStorage.getItem(STORED + signature);
    found = stored ? Promise.resolve(JSON.parse(stored) as Layout) : computeLayout(tasks);
    if (!stored) {
      found.then(
        (layout) => {
          try {
            sessionStorage.setItem(STORED + signature, JSON.stringify(layout));
          } catch {
            // storage full: the in-memory cache still holds it
          }
        },
        () => LAYOUTS.delete(signature),
      );
    }
    LAYOUTS.set(signature, found);
  }
  return found;
}

const PADDING = 10;

async function computeLayout(tasks: DagTask[]): Promise<Layout> {
  const { default: dagre } = await layoutEngine();
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "LR", nodesep: 12, ranksep: 40, marginx: PADDING, marginy: PADDING });
  graph.setDefaultEdgeLabel(() => ({}));
  const keys = new Set(tasks.map((t) => t.task_key));
  for (const t of tasks) graph.setNode(t.task_key, { width: 16 + 7 * t.task_key.length, height: NODE_HEIGHT });
  for (const t of tasks) {
    for (const d of t.depends_on ?? []) {
      if (keys.has(d.task_key)) graph.setEdge(d.task_key, t.task_key);
    }
  }
  dagre.layout(graph);
  const size = graph.graph();
  return {
    width: Math.ceil(size.width ?? 0),
    height: Math.ceil(size.height ?? 0),
    // dagre places a node by its centre; the SVG draws it from its top-left corner.
    nodes: graph.nodes().map((key) => {
      const n = graph.node(key);
      return { key, x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height };
    }),
    edges: graph.edges().map((e) => ({
      id: `${e.v}->${e.w}`,
      path: ((graph.edge(e) as { points?: Point[] }).points ?? [])
        .map((p, i) => `${i ? "L" : "M"}${p.x},${p.y}`)
        .join(" "),
    })),
  };
}
