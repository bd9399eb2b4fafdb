import { type ComponentType, h, hydrate } from "preact";

/** Hydrates every server-rendered instance of the island `name` on the page. */
export function hydrateIsland<P>(
  name: string,
  component: ComponentType<P>,
): void {
  for (const element of document.querySelectorAll(`[data-island="${name}"]`)) {
    const props = JSON.parse(element.getAttribute("data-props") ?? "{}") as P;
    hydrate(h(component, props as P & Record<string, unknown>), element);
  }
}
