// A result as CSV (RFC 4180: quoted when needed, CRLF line ends), downloaded by the browser.
import type { ResultColumn } from "../../api/types";

export function toCsv(columns: ResultColumn[], rows: (string | null)[][]): string {
  const lines = [columns.map((c) => field(c.name)).join(",")];
  for (const row of rows) lines.push(row.map((v) => (v === null ? "" : field(v))).join(","));
  return lines.join("\r\n") + "\r\n";
}

function field(value: string): string {
  return /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function download(name: string, text: string, type = "text/csv;charset=utf-8"): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
