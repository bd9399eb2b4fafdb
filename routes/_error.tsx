import type { VNode } from "preact";
import { SiteHeader } from "../components/SiteHeader.tsx";
import type { PageProps } from "../lib/web/render.tsx";

/** What the error page says: the refusal as a browser's form post gets it. */
export interface ErrorPageData {
  status: number;
  message: string;
  /** Seconds until trying again makes sense (from `Retry-After`). */
  retryAfterSeconds?: number;
}

const HEADINGS: Record<number, string> = {
  400: "That didn’t work",
  405: "That didn’t work",
  413: "That was too much to send",
  415: "That didn’t work",
  429: "Slow down a little",
  503: "Duet is not available right now",
};

/** The page a browser gets when a form it posted was refused: why, when to retry, a way back. */
export default function ErrorPage({ data }: PageProps<ErrorPageData>): VNode {
  const retry = data.retryAfterSeconds;
  return (
    <>
      <SiteHeader />
      <main class="narrow not-found error-page">
        <p class="eyebrow">{data.status}</p>
        <h1>{HEADINGS[data.status] ?? "Something went wrong"}</h1>
        <p class="lead">{data.message}.</p>
        <p>
          {retry !== undefined
            ? `You can try again in ${formatWait(retry)}.`
            : data.status >= 500
            ? "This is on our side: try again in a moment."
            : "Nothing was created. Go back and try again."}
        </p>
        <p>
          <a class="button" href="/">Back to the home page</a>
        </p>
      </main>
    </>
  );
}

function formatWait(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? "a second" : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? "a minute" : `${minutes} minutes`;
}
