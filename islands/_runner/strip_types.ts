/**
 * The TypeScript step of the sandbox, loaded into the worker only for a
 * TypeScript run: removes types with sucrase, keeping every line where it was
 * (so an error's line number is the line in the editor).
 *
 * @module
 */
import { transform } from "sucrase";

/** TypeScript source as JavaScript; throws a `SyntaxError` with the line for bad input. */
function stripTypes(code: string): string {
  return transform(code, {
    transforms: ["typescript"],
    disableESTransforms: true,
    preserveDynamicImport: true,
  }).code;
}

(globalThis as { duetStripTypes?: (code: string) => string }).duetStripTypes = stripTypes;
