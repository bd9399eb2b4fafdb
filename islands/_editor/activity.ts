/**
 * What the local person is doing, for the presence list: typing now, there,
 * idle (no input for a minute) or away (the page is hidden). It changes only
 * at those edges, so presence is sent a few times per typing burst, not per key.
 *
 * @module
 */
import { type Activity, IDLE_MS } from "./presence.ts";

export { IDLE_MS };

/** How long after the last edit someone still counts as typing. */
export const TYPING_MS = 2_500;

/** Time and timers; injected by tests. */
export interface ActivityClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): ReturnType<typeof setTimeout>;
  clearTimeout(id: ReturnType<typeof setTimeout>): void;
}

const systemClock: ActivityClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (id) => clearTimeout(id),
};

/** Options for {@linkcode ActivityTracker}. */
export interface ActivityTrackerOptions {
  /** Called when the activity changes. */
  onChange: (activity: Activity) => void;
  /** Whether the page starts hidden. */
  hidden?: boolean;
  /** When the last input was, if before now (e.g. when the page opened). */
  inputAt?: number;
  clock?: ActivityClock;
}

/** Follows the local person's input and the page's visibility. */
export class ActivityTracker {
  readonly #onChange: (activity: Activity) => void;
  readonly #clock: ActivityClock;
  #hidden: boolean;
  #typedAt = -Infinity;
  #inputAt: number;
  #activity: Activity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #destroyed = false;

  constructor(options: ActivityTrackerOptions) {
    this.#onChange = options.onChange;
    this.#clock = options.clock ?? systemClock;
    this.#hidden = options.hidden ?? false;
    this.#inputAt = options.inputAt ?? this.#clock.now();
    this.#activity = this.#current();
    this.#schedule();
  }

  /** The current activity. */
  get activity(): Activity {
    return this.#activity;
  }

  /** The person changed the code. */
  typed(): void {
    const now = this.#clock.now();
    this.#typedAt = now;
    this.#inputAt = now;
    this.#update();
  }

  /** The person pressed a key, clicked or scrolled. */
  interacted(): void {
    this.#inputAt = this.#clock.now();
    this.#update();
  }

  /** The page was hidden or shown again (showing it counts as input). */
  setHidden(hidden: boolean): void {
    this.#hidden = hidden;
    if (!hidden) this.#inputAt = this.#clock.now();
    this.#update();
  }

  /** Stops the timer; no more changes are reported. */
  destroy(): void {
    this.#destroyed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
  }

  #current(): Activity {
    if (this.#hidden) return "away";
    const now = this.#clock.now();
    if (now - this.#typedAt < TYPING_MS) return "typing";
    if (now - this.#inputAt >= IDLE_MS) return "idle";
    return "active";
  }

  #update(): void {
    if (this.#destroyed) return;
    const next = this.#current();
    this.#schedule();
    if (next === this.#activity) return;
    this.#activity = next;
    this.#onChange(next);
  }

  /** Wakes up at the next edge: typing ends, or idleness begins. */
  #schedule(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#hidden) return;
    const now = this.#clock.now();
    const edges = [this.#typedAt + TYPING_MS, this.#inputAt + IDLE_MS].filter((at) => at > now);
    if (edges.length === 0) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#update();
    }, Math.min(...edges) - now);
  }
}
