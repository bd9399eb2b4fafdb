import type { ComponentChildren, VNode } from "preact";

/** Props of {@linkcode SiteHeader}. */
export interface SiteHeaderProps {
  /** Shown on the right, e.g. the room's controls. */
  children?: ComponentChildren;
}

/** The top bar: the Duet mark linking home. */
export function SiteHeader({ children }: SiteHeaderProps): VNode {
  return (
    <header class="site-header">
      <a class="brand" href="/" aria-label="Duet home">
        <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
          <circle cx="12" cy="16" r="9" />
          <circle cx="20" cy="16" r="9" />
        </svg>
        <span>Duet</span>
      </a>
      {children}
    </header>
  );
}
