/**
 * What the gatekeeper knows of one client of the server, by its management client id. One state
 * per client, so that a session cannot be both replaced and admitted, or ended and deciding.
 */
export type Session =
  /** Its decision waits on the pool (a lease top-up); a DISCONNECT meanwhile cancels it. */
  | { state: 'deciding' }
  /** Holds a seat. */
  | { state: 'admitted'; commonName: string }
  /** A new session of its common name took its seat; OpenVPN drops it once that one is established. */
  | { state: 'replaced'; commonName: string }
  /** Denied or ordered off, until its DISCONNECT: never counted again, never restarted. */
  | { state: 'ended' };

/**
 * The sessions of one server process, with the admitted session of each common name (the one a
 * reconnection of that name replaces), and the clients changed while a change record is open.
 */
export class Sessions {
  readonly #byCid = new Map<string, Session>();
  readonly #admittedOf = new Map<string, string>();
  #changed: Set<string> | undefined;

  get(cid: string): Session | undefined {
    return this.#byCid.get(cid);
  }

  /** The admitted session of a common name. */
  admittedOf(commonName: string): string | undefined {
    return this.#admittedOf.get(commonName);
  }

  set(cid: string, session: Session): void {
    this.#unindex(cid);
    this.#byCid.set(cid, session);
    // The newest admitted session of a name is the one OpenVPN keeps.
    if (session.state === 'admitted' && session.commonName !== '')
      this.#admittedOf.set(session.commonName, cid);
    this.#changed?.add(cid);
  }

  /** Forgets a client; returns what it was. */
  delete(cid: string): Session | undefined {
    const session = this.#byCid.get(cid);
    if (session === undefined) return undefined;
    this.#unindex(cid);
    this.#byCid.delete(cid);
    this.#changed?.add(cid);
    return session;
  }

  /** Every client, as a copy: callers change states while they go through it. */
  entries(): [string, Session][] {
    return [...this.#byCid];
  }

  /** Forgets every client (a restarted server numbers its clients anew); returns the admitted ones. */
  clear(): string[] {
    const admitted = this.entries()
      .filter(([, session]) => session.state === 'admitted')
      .map(([cid]) => cid);
    for (const cid of this.#byCid.keys()) this.#changed?.add(cid);
    this.#byCid.clear();
    this.#admittedOf.clear();
    return admitted;
  }

  /** Starts recording which clients change, until `stopRecording`. */
  recordChanges(): ReadonlySet<string> {
    const changed = new Set<string>();
    this.#changed = changed;
    return changed;
  }

  stopRecording(): void {
    this.#changed = undefined;
  }

  get recording(): boolean {
    return this.#changed !== undefined;
  }

  #unindex(cid: string): void {
    const session = this.#byCid.get(cid);
    if (session?.state === 'admitted' && this.#admittedOf.get(session.commonName) === cid)
      this.#admittedOf.delete(session.commonName);
  }
}
