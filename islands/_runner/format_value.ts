/**
 * Turns what a program logs into text, as a browser console would show it:
 * strings as they are at the top level, everything else inspected (cycles,
 * depth and length bounded, never throwing).
 *
 * @module
 */

const MAX_DEPTH = 4;
const MAX_ENTRIES = 100;

/** A logged value as text. */
export function formatValue(value: unknown): string {
  return typeof value === "string" ? value : inspect(value, 0, new Set());
}

/** Several logged values, as `console.log(a, b)` shows them. */
export function formatValues(values: unknown[]): string {
  return values.map(formatValue).join(" ");
}

function inspect(value: unknown, depth: number, seen: Set<unknown>): string {
  try {
    switch (typeof value) {
      case "string":
        return JSON.stringify(value);
      case "number":
        return Object.is(value, -0) ? "-0" : String(value);
      case "bigint":
        return `${value}n`;
      case "boolean":
      case "undefined":
        return String(value);
      case "symbol":
        return value.toString();
      case "function":
        return `[Function: ${value.name || "(anonymous)"}]`;
    }
    if (value === null) return "null";
    const object = value as object;
    if (object instanceof Error) return describeError(object);
    if (seen.has(object)) return "[Circular]";
    if (depth >= MAX_DEPTH) return Array.isArray(object) ? "[Array]" : "[Object]";
    seen.add(object);
    try {
      if (Array.isArray(object)) {
        const shown = object.slice(0, MAX_ENTRIES).map((item) => inspect(item, depth + 1, seen));
        if (object.length > MAX_ENTRIES) shown.push(`… ${object.length - MAX_ENTRIES} more`);
        return `[ ${shown.join(", ")} ]`.replace("[  ]", "[]");
      }
      if (object instanceof Map) {
        const shown = [...object].slice(0, MAX_ENTRIES).map(([k, v]) =>
          `${inspect(k, depth + 1, seen)} => ${inspect(v, depth + 1, seen)}`
        );
        return `Map(${object.size}) { ${shown.join(", ")} }`;
      }
      if (object instanceof Set) {
        const shown = [...object].slice(0, MAX_ENTRIES).map((v) => inspect(v, depth + 1, seen));
        return `Set(${object.size}) { ${shown.join(", ")} }`;
      }
      if (object instanceof Date) return object.toISOString();
      if (object instanceof RegExp) return String(object);
      const entries = Object.entries(object).slice(0, MAX_ENTRIES).map(([k, v]) =>
        `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${inspect(v, depth + 1, seen)}`
      );
      const name = object.constructor?.name;
      const prefix = name && name !== "Object" ? `${name} ` : "";
      return entries.length === 0 ? `${prefix}{}` : `${prefix}{ ${entries.join(", ")} }`;
    } finally {
      seen.delete(object);
    }
  } catch {
    return "[value that cannot be shown]";
  }
}

/** `Name: message`, from an error or anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return `${error.name}: ${error.message}`;
  }
  return `Uncaught ${inspect(error, 0, new Set())}`;
}
