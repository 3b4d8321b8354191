/** A clock a test moves by hand (`startEmulator({ now: clock.now })`): endpoint transitions and metric visibility follow it. */
export interface ManualClock {
  now(): number;
  advance(ms: number): void;
}

/** Starts on a whole minute so "the metric period has closed" is a whole number of seconds away. */
export function manualClock(startMs = Math.ceil(Date.now() / 60_000) * 60_000): ManualClock {
  let t = startMs;
  return { now: () => t, advance: (ms) => void (t += ms) };
}
