import { type ComponentType, h, hydrate } from "preact";

/** Hydrates every server-rendered instance of the island `name` on the page. */
export function hydrateIsland<P>(
  name: string,
  component: ComponentType<P>,
): void {
  for (const element of document.querySelectorAll(`[data-island="${name}"]`)) {
    const props = JSON.parse(element.getAttribute("data-props") ?? "{}") as Record<string, unknown>;
    // Props rendered as text are not repeated in data-props (see `Island`).
    for (const holder of element.querySelectorAll("[data-island-text]")) {
      props[holder.getAttribute("data-island-text")!] = holder.textContent ?? "";
    }
    hydrate(h(component, props as P & Record<string, unknown>), element);
  }
}
