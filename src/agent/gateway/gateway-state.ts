import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { checker } from '../../contract/check.js';
import { readState, writeAtomically } from '../state.js';

/**
 * The files an enrolled gateway keeps in the agent's state directory: who it is to the service
 * (gateway.json), its device credential (the one secret, in a file of its own), and the last
 * statement the service signed for it. Like the server's files they are written atomically and
 * readable by their owner only, and none is trusted: the statement counts only once verified.
 */
export const GatewayEnrollment = Type.Object({
  deviceId: Type.String({ minLength: 1 }),
  organizationId: Type.String({ minLength: 1 }),
  serviceUrl: Type.String({ minLength: 1 }),
  enrolledAt: Type.String(),
});
export type GatewayEnrollment = Static<typeof GatewayEnrollment>;

const StoredCredential = Type.Object({ credential: Type.String({ minLength: 1 }) });

/** statement.json: the signed statement stays unknown until verified, with when it was asked for. */
export const StoredStatement = Type.Object({
  statement: Type.Unknown(),
  refreshAfterMs: Type.Integer({ minimum: 0 }),
  /** When the request it answers was sent, and the answer received, on the gateway's own clock (ms). */
  sentAt: Type.Number(),
  receivedAt: Type.Number(),
});
export type StoredStatement = Static<typeof StoredStatement>;

const FILES = {
  enrollment: checker(GatewayEnrollment),
  credential: checker(StoredCredential),
  statement: checker(StoredStatement),
};

const ENROLLMENT_FILE = 'gateway.json';

/** Whether the state directory is an enrolled gateway's: the profile `agent run` and `usage` take. */
export function isEnrolledGateway(stateDir: string): boolean {
  try {
    readFileSync(join(stateDir, ENROLLMENT_FILE));
    return true;
  } catch {
    return false;
  }
}

export class GatewayState {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  #path(file: string): string {
    return join(this.dir, file);
  }

  #read<T>(file: string, shape: (value: unknown) => { ok: true; value: T } | { ok: false; wrong: string }) {
    try {
      return readState(this.#path(file), shape);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read ${this.#path(file)}: ${(error as Error).message}`);
    }
  }

  /** Enrollment and credential together: the credential first, so a gateway.json always has one. */
  saveEnrollment(enrollment: GatewayEnrollment, credential: string): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeAtomically(this.#path('gateway-credential.json'), { credential });
    writeAtomically(this.#path(ENROLLMENT_FILE), enrollment);
  }

  loadEnrollment(): GatewayEnrollment | undefined {
    return this.#read(ENROLLMENT_FILE, FILES.enrollment);
  }

  loadCredential(): string | undefined {
    return this.#read('gateway-credential.json', FILES.credential)?.credential;
  }

  /** Durable when first received; a routine refresh's answer is only kept, not synced. */
  saveStatement(statement: StoredStatement, durable = true): void {
    writeAtomically(this.#path('statement.json'), statement, durable);
  }

  loadStatement(): StoredStatement | undefined {
    return this.#read('statement.json', FILES.statement);
  }
}
