/**
 * Loads the dialogs (`dialogs.ts`) on first use. The island imports this
 * module dynamically rather than `dialogs.ts` itself: the build preloads an
 * island's own dynamic imports (it needs its session at once), not the
 * dynamic imports of those, so the dialogs stay out of the room's first
 * download and its JavaScript budget.
 *
 * @module
 */

/** The dialog components. */
export type Dialogs = typeof import("./dialogs.ts");

let dialogs: Promise<Dialogs> | undefined;

/** The dialog components, loaded once; a failed load is tried again on the next call. */
export function loadDialogs(): Promise<Dialogs> {
  dialogs ??= import("./dialogs.ts").catch((error: unknown) => {
    dialogs = undefined;
    throw error;
  });
  return dialogs;
}
