import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { MySQL, sql, SQLDialect } from "@codemirror/lang-sql";
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { diagnosticCount, setDiagnostics, setDiagnosticsEffect } from "@codemirror/lint";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import {
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
  placeholder,
} from "@codemirror/view";
import { useEffect, useImperativeHandle, useRef, type Ref } from "react";

// Spark SQL is lexically close to MySQL (backquoted names, "..." and '...' strings with
// backslash escapes), without its # comments, and with a few keywords of its own.
const SparkSQL = SQLDialect.define({
  ...MySQL.spec,
  hashComments: false,
  keywords: `${MySQL.spec.keywords ?? ""} history tblproperties qualify pivot unpivot lateral explode overwrite partitioned matched`,
});

/** What to run: the selection if there is one, else everything; ``from`` is where it starts. */
export interface RunRequest {
  text: string;
  from: number;
}

export interface SqlEditorHandle {
  /** Marks the error at ``line``/``column`` of the text that ran from ``from`` (1-based). */
  showError(
    message: string,
    from: number,
    line?: number,
    column?: number,
  ): { line: number; column: number } | undefined;
  clearError(): void;
  /** Runs what Ctrl/Cmd+Enter would: the selection, or everything. */
  run(): void;
  setText(text: string): void;
  focus(): void;
}

interface Props {
  initialText: string;
  onChange: (text: string) => void;
  onRun: (request: RunRequest) => void;
  /** Table names for completion: {"main.default.orders": ["order_id", ...]}. */
  completions: Record<string, string[]>;
  ref?: Ref<SqlEditorHandle>;
}

/** CodeMirror 6 with Spark SQL highlighting and completion; Ctrl/Cmd+Enter runs. */
export function SqlEditor({ initialText, onChange, onRun, completions, ref }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  const latest = useRef({ onChange, onRun });
  latest.current = { onChange, onRun };

  useEffect(() => {
    const run = (target: EditorView) => {
      latest.current.onRun(runRequest(target));
      return true;
    };
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: initialText,
        extensions: [
          Prec.highest(keymap.of([{ key: "Mod-Enter", run, preventDefault: true }])),
          lineNumbers(),
          highlightActiveLineGutter(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          closeBrackets(),
          autocompletion(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, indentWithTab]),
          language.current.of(sql({ dialect: SparkSQL, upperCaseKeywords: true })),
          placeholder("SELECT * FROM main.default.orders LIMIT 10"),
          // An edit clears the error marks of the last run.
          EditorState.transactionExtender.of((tr) =>
            tr.docChanged && diagnosticCount(tr.startState) > 0 ? { effects: setDiagnosticsEffect.of([]) } : null,
          ),
          EditorView.contentAttributes.of({ "aria-label": "SQL editor" }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) latest.current.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is created once; later text comes from the user or setText.
  }, []);

  useEffect(() => {
    view.current?.dispatch({
      effects: language.current.reconfigure(sql({ dialect: SparkSQL, upperCaseKeywords: true, schema: completions })),
    });
  }, [completions]);

  useImperativeHandle(
    ref,
    () => ({
      showError(message, from, line, column) {
        const editor = view.current;
        if (!editor || line === undefined) return undefined;
        const doc = editor.state.doc;
        const startLine = doc.lineAt(from);
        const lineNumber = Math.min(doc.lines, startLine.number + line - 1);
        const target = doc.line(lineNumber);
        const base = line === 1 ? from : target.from; // a selection's first line starts mid-line
        const pos = Math.min(target.to, base + Math.max(0, (column ?? 1) - 1));
        const to = Math.min(target.to, wordEnd(target.text, pos - target.from) + target.from);
        editor.dispatch(
          setDiagnostics(editor.state, [
            { from: pos, to: Math.max(to, Math.min(pos + 1, target.to)), severity: "error", message },
          ]),
        );
        return { line: lineNumber, column: pos - target.from + 1 };
      },
      run() {
        const editor = view.current;
        if (editor) latest.current.onRun(runRequest(editor));
      },
      clearError() {
        const editor = view.current;
        if (editor) editor.dispatch(setDiagnostics(editor.state, []));
      },
      setText(text) {
        const editor = view.current;
        if (!editor) return;
        editor.dispatch({
          changes: { from: 0, to: editor.state.doc.length, insert: text },
          selection: { anchor: text.length },
        });
        editor.focus();
      },
      focus() {
        view.current?.focus();
      },
    }),
    [],
  );

  return <div className="editor" ref={host} data-testid="sql-editor" />;
}

/** What Ctrl/Cmd+Enter runs: the selection, or the whole text. */
function runRequest(target: EditorView): RunRequest {
  const selection = target.state.selection.main;
  if (selection.empty) return { text: target.state.doc.toString(), from: 0 };
  return { text: target.state.sliceDoc(selection.from, selection.to), from: selection.from };
}

function wordEnd(text: string, at: number): number {
  const match = /^[\w`.]+/.exec(text.slice(at));
  return at + (match ? match[0].length : 1);
}
