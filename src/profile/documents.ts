import { parseAllDocuments, type YAMLError } from "yaml";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { findDuplicateKeys } from "./json-duplicate-keys.js";

/** One document of a source text, before anything is known about what it holds. */
export interface SourceDocument {
  /** 1-based document number, plus the item for `kind: List` documents, e.g. `2` or `2 items[0]`. */
  label: string;
  value?: unknown;
  diagnostics: Diagnostic[];
}

/**
 * Splits a text into documents: JSON (one object) or YAML (any number, `---` separated). JSON
 * goes through JSON.parse, which is several times faster than the YAML parser on large profiles.
 * `kind: List` documents, as `kubectl get -o yaml` prints them, are flattened into their items.
 */
export function splitDocuments(text: string): SourceDocument[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) return flatten([parseJson(text)]);
  const out: SourceDocument[] = [];
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const label = String(i + 1);
    if (doc.errors.length > 0) {
      out.push({ label, diagnostics: [diagnostic("error", "syntax", "", `invalid YAML${syntaxError(doc.errors[0]!)}`)] });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // Alias bombs: a few lines that expand to millions of nodes.
      out.push({ label, diagnostics: [diagnostic("error", "syntax", "", `invalid YAML: ${error instanceof Error ? error.message : String(error)}`)] });
      return;
    }
    // An empty document (a leading or trailing `---`) is not a profile and not a mistake.
    if (value === null || value === undefined) return;
    out.push({ label, value, diagnostics: [] });
  });
  return flatten(out);
}

function parseJson(text: string): SourceDocument {
  try {
    const value = JSON.parse(text) as unknown;
    const duplicates = findDuplicateKeys(text, value);
    if (duplicates.length === 0) return { label: "1", value, diagnostics: [] };
    // As in YAML: which of two values counts differs between parsers, so neither is taken.
    const diagnostics = duplicates.map((d) =>
      diagnostic("error", "duplicate-key", d.path, `duplicate key at line ${d.line}, column ${d.column} (first at line ${d.firstLine}, column ${d.firstColumn})`, "keep one; JSON parsers disagree on which value counts"),
    );
    return { label: "1", diagnostics };
  } catch (error) {
    // V8's message rarely says where; JSON is YAML, and the YAML parser does.
    const [doc] = parseAllDocuments(text, { prettyErrors: true }) as ReturnType<typeof parseAllDocuments> & unknown[];
    const located = doc !== undefined && "errors" in doc && doc.errors.length > 0 ? syntaxError(doc.errors[0]!) : "";
    const message = error instanceof Error ? error.message : String(error);
    return { label: "1", diagnostics: [diagnostic("error", "syntax", "", `invalid JSON${located === "" ? `: ${message}` : located}`)] };
  }
}

function syntaxError(error: YAMLError): string {
  const where = error.linePos?.[0] ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : "";
  return `${where}: ${error.message.split(/ at line \d+|\n/)[0]}`;
}

function flatten(docs: SourceDocument[]): SourceDocument[] {
  const out: SourceDocument[] = [];
  for (const doc of docs) {
    const value = doc.value as { kind?: unknown; items?: unknown } | undefined;
    if (value !== null && typeof value === "object" && value.kind === "List" && Array.isArray(value.items)) {
      value.items.forEach((item: unknown, j: number) => out.push({ label: `${doc.label} items[${j}]`, value: item, diagnostics: [] }));
    } else {
      out.push(doc);
    }
  }
  return out;
}
