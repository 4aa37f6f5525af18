// The job's DAG as an SVG graph laid out by ELK (layered, left to right); nodes are coloured
// by the state of each task in the selected run. The layout is computed once per job, in a
// Web Worker: the page (run grid, Gantt) renders and stays responsive meanwhile.
import { useEffect, useState } from "react";
import type { ELK as ElkApi, ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import elkWorkerUrl from "elkjs/lib/elk-worker.min.js?url";
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

let elkWorker: Promise<ElkApi> | null = null;

/** The layout engine: ELK's worker script (a big one) loading in its own thread. */
function layoutEngine(): Promise<ElkApi> {
  elkWorker ??= import("elkjs/lib/elk-api.js").then(({ default: ELK }) => new ELK({ workerUrl: elkWorkerUrl }));
  return elkWorker;
}

/** Start the layout worker (it fetches and compiles ELK) before the graph needs it. */
export function preloadLayout(): void {
  void layoutEngine();
}

// Layouts by job shape: a job's graph is laid out once per page load and definition (ELK
// takes hundreds of ms for a few hundred tasks; states change, the shape rarely does).
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

async function computeLayout(tasks: DagTask[]): Promise<Layout> {
  const elk = await layoutEngine();
  const keys = new Set(tasks.map((t) => t.task_key));
  const edges: ElkExtendedEdge[] = [];
  for (const t of tasks) {
    for (const d of t.depends_on ?? []) {
      if (keys.has(d.task_key)) {
        edges.push({ id: `${d.task_key}->${t.task_key}`, sources: [d.task_key], targets: [t.task_key] });
      }
    }
  }
  const graph: ElkNode = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.layered.thoroughness": "1", // a few crossings more, 3x faster for 300 tasks
      // Brandes-Koepf placement: network simplex took most of a 300-task layout's time.
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
      "elk.spacing.nodeNode": "12",
      "elk.layered.spacing.nodeNodeBetweenLayers": "40",
      "elk.edgeRouting": "POLYLINE",
      "elk.padding": "[top=10,left=10,bottom=10,right=10]",
    },
    children: tasks.map((t) => ({ id: t.task_key, width: 16 + 7 * t.task_key.length, height: NODE_HEIGHT })),
    edges,
  };
  const laid = await elk.layout(graph);
  return {
    width: Math.ceil(laid.width ?? 0),
    height: Math.ceil(laid.height ?? 0),
    nodes: (laid.children ?? []).map((n) => ({
      key: n.id,
      x: n.x ?? 0,
      y: n.y ?? 0,
      width: n.width ?? 0,
      height: n.height ?? NODE_HEIGHT,
    })),
    edges: ((laid.edges ?? []) as ElkExtendedEdge[]).map((e) => ({
      id: e.id,
      path: (e.sections ?? [])
        .map((s) =>
          [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p, i) => `${i ? "L" : "M"}${p.x},${p.y}`).join(" "),
        )
        .join(" "),
    })),
  };
}
