/** Time is a dependency: rules take instants as arguments, edges take a Clock, tests move it. */
export interface Clock {
  now(): Date;
}

/** The real clock, handed in by the composition roots (the CLI, the embedding VPN server). */
export const systemClock: Clock = { now: () => new Date() };
