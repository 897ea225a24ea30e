import type { Clock } from '../../src/domain/clock.js';

/** A clock tests move by hand: expiry and TTLs without waiting. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: Date | string = '2026-11-23T12:00:00.000Z') {
    this.#now = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  set(instant: Date | string): void {
    this.#now = new Date(instant).getTime();
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}

export const DAY = 86_400_000;
