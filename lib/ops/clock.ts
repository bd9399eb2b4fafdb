/** A pending timer, as the clock that made it knows it. */
export type TimerId = ReturnType<typeof setTimeout>;

/** Timers and time, injectable so tests never sleep. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (id) => clearTimeout(id),
};
