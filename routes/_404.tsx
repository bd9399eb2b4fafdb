import type { VNode } from "preact";
import { CreateRoomForm } from "../components/CreateRoomForm.tsx";
import { SiteHeader } from "../components/SiteHeader.tsx";

/** The page for an unknown address or room. */
export default function NotFound(): VNode {
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
