import type { Clock } from '../../domain/clock.js';
import type { GatewayBinding } from '../../domain/gateway-seats.js';
import { gatewaySeats } from '../../domain/gateway-seats.js';
import { type GatewayStatementPayload, statementBindings } from '../../domain/gateway-statement.js';
import { type Capacity, GATEWAY_POLICY } from '../../domain/seats.js';
import { Admission } from '../admission.js';
import type { GatewayLicenseReport } from './gateway-usage.js';

/** A verified statement, and when the request it answers was sent (the gateway's clock, ms). */
export interface HeldStatement {
  payload: GatewayStatementPayload;
  sentAt: number;
  receivedAt: number;
}

/**
 * What a gateway may hold now and what it holds: the capacity from its last verified statement,
 * worked out again only when it can have changed, and the admission of tunnels against it. With no
 * statement that counts, only the built-in seats do.
 */
export class GatewayFront {
  readonly admission: Admission;
  readonly #clock: Clock;
  #held: HeldStatement | undefined;
  /**
   * The seats in all asked for by a refresh on its way. The service may shrink the leases to that
   * and hand the rest to other gateways, so until the answer no more are used.
   */
  #asking: number | undefined;
  #capacity: Capacity | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.admission = new Admission(
      () => this.capacity().seats,
      () => clock.now(),
    );
  }

  get held(): HeldStatement | undefined {
    return this.#held;
  }

  hold(held: HeldStatement | undefined): void {
    this.#held = held;
    this.#asking = undefined;
    this.#capacity = undefined;
  }

  ask(wanted: number): void {
    this.#asking = wanted;
    this.#capacity = undefined;
  }

  /** The refresh failed: the leases it asked about are still the ones held. */
  abandon(): void {
    this.#asking = undefined;
    this.#capacity = undefined;
  }

  /** Whether it holds seats of a pool shared with other gateways (lease mode). */
  get holdsShared(): boolean {
    return this.#held?.payload.licenses.some((license) => license.lease !== null) ?? false;
  }

  /** The seats its leases of shared pools give now. */
  get leased(): number {
    const shared = new Set(
      (this.#held?.payload.licenses ?? []).filter((l) => l.lease !== null).map((l) => l.licenseId),
    );
    return this.capacity()
      .counting.filter((grant) => shared.has(grant.licenseId))
      .reduce((sum, grant) => sum + grant.seats, 0);
  }

  /**
   * The statement's licenses as the seat engine reads them. A lease is counted from the sending of
   * the request, on this gateway's clock, so that it never outlives the service's count whatever
   * the two clocks say; and never past the instant the service signed.
   */
  #bindings(held: HeldStatement): GatewayBinding[] {
    const issuedAt = Date.parse(held.payload.issuedAt);
    const onOwnClock = (instant: Date) =>
      new Date(Math.min(instant.getTime(), held.sentAt + (instant.getTime() - issuedAt)));
    return statementBindings(held.payload).map((binding) => {
      const { lease, trustedUntil } = binding;
      return {
        ...binding,
        ...(lease === undefined ? {} : { lease: { seats: lease.seats, until: onOwnClock(lease.until) } }),
        ...(trustedUntil === undefined ? {} : { trustedUntil: onOwnClock(trustedUntil) }),
      };
    });
  }

  /** The SecuPoint VPN Client maximum now; recomputed only when an instant at which it changes has passed. */
  capacity(): Capacity {
    const now = this.#clock.now();
    if (this.#capacity === undefined || now.getTime() >= this.#capacity.changesAt) {
      const held = this.#held;
      const seats =
        held === undefined
          ? gatewaySeats([], now)
          : gatewaySeats(this.#bindings(held), now, new Date(held.payload.validUntil));
      this.#capacity =
        this.#asking === undefined ? seats : { ...seats, seats: Math.min(seats.seats, this.#asking) };
    }
    return this.#capacity;
  }

  get builtIn(): number {
    return GATEWAY_POLICY.builtInSeats;
  }

  /** Each license of the statement: the seats it gives now, or why it gives none. */
  licenses(): GatewayLicenseReport[] {
    const held = this.#held;
    if (held === undefined) return [];
    const now = this.#clock.now().getTime();
    const counting = new Map(this.capacity().counting.map((grant) => [grant.licenseId, grant.seats]));
    const bindings = new Map(this.#bindings(held).map((binding) => [binding.licenseId, binding]));
    const validUntil = Date.parse(held.payload.validUntil);
    return held.payload.licenses.map((license) => {
      const seats = counting.get(license.licenseId);
      const leaseUntil = bindings.get(license.licenseId)?.lease?.until.getTime();
      const trustedUntil = bindings.get(license.licenseId)?.trustedUntil?.getTime();
      const reason =
        seats !== undefined
          ? null
          : license.kind !== 'secupoint'
            ? 'a Pro license: it gives no VPN seats'
            : now < Date.parse(license.starts)
              ? `its term starts at ${license.starts}`
              : now >= Date.parse(license.ends)
                ? `expired at ${license.ends}`
                : now >= validUntil
                  ? 'the statement is past its validity: the service must answer again'
                  : leaseUntil !== undefined && now >= leaseUntil
                    ? 'its lease ran out: the service must answer again'
                    : trustedUntil !== undefined && now >= trustedUntil
                      ? 'it is still Merging (its association can be undone): the service must answer again'
                      : 'it gives no seats now';
      return {
        licenseId: license.licenseId,
        keyHint: license.keyHint,
        sku: license.sku,
        kind: license.kind,
        users: license.users,
        starts: license.starts,
        ends: license.ends,
        lease:
          license.lease === null || leaseUntil === undefined
            ? null
            : { seats: license.lease.seats, until: new Date(leaseUntil).toISOString() },
        seats: seats ?? 0,
        status: seats === undefined ? 'not_counting' : 'counting',
        reason,
      };
    });
  }
}
