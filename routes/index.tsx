import type { VNode } from "preact";
import { CreateRoomForm } from "../components/CreateRoomForm.tsx";
import { SiteHeader } from "../components/SiteHeader.tsx";
import type { Handlers } from "../lib/web/app.ts";

export const handler: Handlers = {
  GET: (c) =>
    c.var.render(undefined, {
      title: "Duet",
      description: "Edit code together, live. Open a room, share the link, type at once.",
    }),
};

/** The home page: what Duet is and a button that creates a room. */
export default function Home(): VNode {
  return (
    <>
      <SiteHeader />
      <main class="home">
        <section class="hero">
          <h1>Write code together, live.</h1>
          <p class="lead">
            Open a room, send the link, and type in the same file at the same time. Every keystroke
            merges — nobody’s edit is ever overwritten.
          </p>
          <CreateRoomForm />
        </section>
        <ul class="features">
          <li>
            <h2>Real-time merging</h2>
            <p>Edits merge with a CRDT, so concurrent typing never loses work, even offline.</p>
          </li>
          <li>
            <h2>See each other</h2>
            <p>Names, colours and live cursors for everyone in the room.</p>
          </li>
          <li>
            <h2>A real editor</h2>
            <p>
              Syntax highlighting for 13 languages, bracket matching, your own undo, and suggestions
              as you pause.
            </p>
          </li>
          <li>
            <h2>No sign-up</h2>
            <p>The link is the key. Rooms are saved, so you can come back to them.</p>
          </li>
        </ul>
      </main>
    </>
  );
}
