import { type ComponentType, createContext, type VNode } from "preact";
import { useContext } from "preact/hooks";

/** The island's name, from its file: `./islands/Editor.tsx` → `Editor`. */
export function islandName(file: string): string {
  return file.replace(/^.*\//, "").replace(/\.tsx$/, "");
}

/** Collects the names of the islands rendered into one page. */
export const IslandCollector = createContext<Set<string> | null>(null);

/** Props of {@linkcode Island}. */
export interface IslandProps<P> {
  /** The island's file name in `islands/`, without extension. */
  name: string;
  component: ComponentType<P>;
  props: P;
  /**
   * String props the island renders as the text of an element marked
   * `data-island-text="<prop>"`: left out of `data-props` and read back from
   * that element before hydrating, so a big text is sent once, not twice.
   */
  textProps?: (keyof P & string)[];
}

/**
 * Server-renders an island inside `<div data-island>` with its props as JSON
 * in `data-props`; the island's bundle hydrates it in the browser. Props go
 * in an attribute, not an inline script, so the page needs no inline script.
 */
export function Island<P>(
  { name, component: Component, props, textProps = [] }: IslandProps<P>,
): VNode {
  useContext(IslandCollector)?.add(name);
  const sent = Object.fromEntries(
    Object.entries(props as Record<string, unknown>).filter(([key]) =>
      !(textProps as string[]).includes(key)
    ),
  );
  return (
    <div data-island={name} data-props={JSON.stringify(sent)}>
      {/* @ts-ignore: P is the component's props */}
      <Component {...props} />
    </div>
  );
}
