import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Checker } from '../contract/check.js';
import type { Clock } from '../domain/clock.js';
import { newId } from '../domain/ids.js';
import {
  type AgentIdentity,
  type LiveUsage,
  type PendingOffline,
  STATE_FILES,
  type StoredLicense,
  type StoredSubscription,
} from './state-files.js';

export type { AgentIdentity, StoredLicense };

/**
 * The agent's state directory: the server's identity and each activated license (its key and
 * latest certificate). Written atomically, readable only by its owner, and all the agent needs to
 * keep admitting tunnels across restarts with no service in reach. It holds nothing the agent
 * trusts: the vendor key that every certificate must verify against is part of the installation.
 */
/**
 * Written in full before it replaces the old file: a crash leaves one or the other. Durable writes
 * are also synced to disk first; the pool's last answer, rewritten at every heartbeat, is not.
 */
export function writeAtomically(path: string, value: unknown, durable = true): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeFileSync(fd, `${JSON.stringify(value, null, 2)}\n`);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

/** A state file's content, checked against its shape; a file of another shape is an error naming it. */
export function readState<T>(path: string, shape: Checker<T>): T {
  const checked = shape(JSON.parse(readFileSync(path, 'utf8')));
  if (!checked.ok) throw new Error(`not what the agent writes there (${checked.wrong})`);
  return checked.value;
}

/** This boot of the machine, where the system tells it (Linux). */
function currentBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Taking over a dead agent's lock takes microseconds: a guard this old was left by a crash. */
const TAKEOVER_GUARD_STALE_MS = 10_000;

/** Blocks this thread briefly: `claimRun` runs once, at start, before anything else is going on. */
const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

export class AgentState {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  get #identityPath(): string {
    return join(this.dir, 'agent.json');
  }

  get #licensesDir(): string {
    return join(this.dir, 'licenses');
  }

  /** The identity, made on first use: a new server id for a new state directory. */
  loadIdentity(clock: Clock): AgentIdentity {
    mkdirSync(this.#licensesDir, { recursive: true, mode: 0o700 });
    try {
      // Older agents pinned vendor keys here (`vendorKeys`): they are never trusted, and dropped.
      const { serverId, createdAt, serviceUrl } = readState(this.#identityPath, STATE_FILES.identity);
      return serviceUrl === undefined ? { serverId, createdAt } : { serverId, createdAt, serviceUrl };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`cannot read ${this.#identityPath}: ${(error as Error).message}`);
      }
    }
    const now = clock.now();
    const identity: AgentIdentity = {
      serverId: newId('srv', now.getTime()),
      createdAt: now.toISOString(),
    };
    this.saveIdentity(identity);
    return identity;
  }

  saveIdentity(identity: AgentIdentity): void {
    writeAtomically(this.#identityPath, identity);
  }

  get #subscriptionPath(): string {
    return join(this.dir, 'subscription.json');
  }

  /** Durable when the subscription is joined; a heartbeat's answer is only kept, not synced. */
  saveSubscription(subscription: StoredSubscription, durable = true): void {
    writeAtomically(this.#subscriptionPath, subscription, durable);
  }

  loadSubscription(): StoredSubscription | undefined {
    try {
      return readState(this.#subscriptionPath, STATE_FILES.subscription);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read ${this.#subscriptionPath}: ${(error as Error).message}`);
    }
  }

  saveLicense(license: StoredLicense): void {
    writeAtomically(join(this.#licensesDir, `${license.licenseId}.json`), license);
  }

  /** Every stored license; a file that cannot be read is reported, not skipped in silence. */
  loadLicenses(): { licenses: StoredLicense[]; unreadable: { file: string; reason: string }[] } {
    const licenses: StoredLicense[] = [];
    const unreadable: { file: string; reason: string }[] = [];
    for (const file of readdirSync(this.#licensesDir)
      .filter((name) => name.endsWith('.json'))
      .sort()) {
      try {
        licenses.push(readState(join(this.#licensesDir, file), STATE_FILES.license));
      } catch (error) {
        unreadable.push({ file, reason: (error as Error).message });
      }
    }
    return { licenses, unreadable };
  }

  get #runLockPath(): string {
    return join(this.dir, 'run.lock');
  }

  get #liveUsagePath(): string {
    return join(this.dir, 'live-usage.json');
  }

  /** The lock's text and the process it names, if readable. */
  #readRunLock(): { text: string; pid: number; bootId: string | undefined } | undefined {
    try {
      const text = readFileSync(this.#runLockPath, 'utf8');
      const [pidText, bootId] = text.trim().split(/\s+/);
      return { text, pid: Number(pidText), bootId };
    } catch {
      return undefined;
    }
  }

  /**
   * The process of the `agent run` that holds this directory, if one is alive. A lock from before
   * the last boot is stale even if its process id has been given to another process since.
   */
  runningAgent(): number | undefined {
    const lock = this.#readRunLock();
    if (lock === undefined) return undefined;
    const { pid, bootId } = lock;
    // This very process, before it took the lock: the lock is an old one whose id came back.
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
    if (bootId !== undefined && bootId !== currentBootId()) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch (error) {
      // EPERM: alive, but another user's.
      return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
    }
  }

  /**
   * Takes the directory for this process's `agent run`: two agents deciding for one server would
   * each count half its tunnels. The lock is linked into place whole, so nobody reads a half-written
   * one; a lock left by a process that died is taken over.
   */
  claimRun(): { claimed: true; release: () => void } | { claimed: false; pid: number } {
    const staged = `${this.#runLockPath}.${process.pid}`;
    writeFileSync(staged, `${process.pid} ${currentBootId() ?? ''}\n`, { mode: 0o600 });
    try {
      for (;;) {
        try {
          linkSync(staged, this.#runLockPath);
          return { claimed: true, release: () => this.#releaseRun() };
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        const lock = this.#readRunLock();
        const pid = this.runningAgent();
        if (pid !== undefined) return { claimed: false, pid };
        if (lock !== undefined) this.#removeStaleRunLock(lock.text);
      }
    } finally {
      unlinkSync(staged);
    }
  }

  /**
   * Removes a lock whose holder died. Takeovers go one at a time, and each removes the lock only if
   * it is still the dead one it saw: of agents starting together, the one that links its lock
   * first wins, and no other removes it.
   */
  #removeStaleRunLock(seen: string): void {
    const guard = `${this.#runLockPath}.takeover`;
    try {
      closeSync(openSync(guard, 'wx', 0o600));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // Another agent is taking over; a guard this old was left by one that died doing it.
      try {
        if (Date.now() - statSync(guard).mtimeMs > TAKEOVER_GUARD_STALE_MS) unlinkSync(guard);
      } catch {
        // Gone meanwhile.
      }
      sleepSync(5);
      return;
    }
    try {
      if (this.#readRunLock()?.text === seen) unlinkSync(this.#runLockPath);
    } finally {
      unlinkSync(guard);
    }
  }

  #releaseRun(): void {
    for (const path of [this.#liveUsagePath, this.#runLockPath]) {
      try {
        unlinkSync(path);
      } catch {
        // Already gone.
      }
    }
  }

  /** What the running agent reports of its tunnels, for `agent usage` in another process. */
  saveLiveUsage(usage: unknown): void {
    writeAtomically(this.#liveUsagePath, { pid: process.pid, usage }, false);
  }

  /** The running agent's last report, or undefined when no agent runs on this directory. */
  loadLiveUsage(): LiveUsage['usage'] | undefined {
    return this.loadLive(STATE_FILES.liveUsage);
  }

  /** The running agent's last report in the shape its profile writes (a server's, a gateway's). */
  loadLive<T extends { pid: number; usage: unknown }>(shape: Checker<T>): T['usage'] | undefined {
    const pid = this.runningAgent();
    if (pid === undefined) return undefined;
    try {
      const saved = readState(this.#liveUsagePath, shape);
      return saved.pid === pid ? saved.usage : undefined;
    } catch {
      return undefined;
    }
  }

  get #pendingOfflinePath(): string {
    return join(this.dir, 'offline-requests.json');
  }

  /** Offline requests written and not yet answered: their nonces, and the keys they are for. */
  loadPendingOffline(): PendingOffline {
    try {
      return readState(this.#pendingOfflinePath, STATE_FILES.pendingOffline);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`cannot read ${this.#pendingOfflinePath}: ${(error as Error).message}`);
    }
  }

  savePendingOffline(pending: PendingOffline): void {
    writeAtomically(this.#pendingOfflinePath, pending);
  }
}
