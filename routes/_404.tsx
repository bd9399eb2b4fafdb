import type { VNode } from "preact";
import { CreateRoomForm } from "../components/CreateRoomForm.tsx";
import { SiteHeader } from "../components/SiteHeader.tsx";
import type { PageProps } from "../lib/web/render.tsx";

/** The page for an unknown address or room. */
export default function NotFound({ url }: PageProps<unknown>): VNode {
  if (!url.pathname.startsWith("/room/")) {
    return (
      <>
        <SiteHeader />
        <main class="narrow not-found">
          <p class="eyebrow">404</p>
          <h1>Page not found</h1>
          <p class="lead">
            There is no page at this address. The link may be mistyped or out of date.
          </p>
          <p>
            <a class="button" href="/">Back to the home page</a>
          </p>
        </main>
      </>
    );
  }
  return (
    <>
      <SiteHeader />
      <main class="narrow not-found">
        <p class="eyebrow">404</p>
        <h1>This room doesn’t exist</h1>
        <p class="lead">
          The link may be mistyped, or the room was never created. Rooms are private: only people
          with the exact link can open one.
        </p>
        <CreateRoomForm label="Create a new room" />
        <p>
          <a href="/">Back to the home page</a>
        </p>
      </main>
    </>
  );
}
