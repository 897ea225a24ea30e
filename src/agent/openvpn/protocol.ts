/**
 * OpenVPN's management interface (version 5), as text: the notifications a server sends about its
 * clients, the replies to commands, and the commands the agent answers with. No I/O here.
 */

export type ClientEventKind = 'CONNECT' | 'REAUTH' | 'ESTABLISHED' | 'DISCONNECT';

/** A `>CLIENT:` notification with the `>CLIENT:ENV` lines that follow it. */
export interface ClientEvent {
  kind: ClientEventKind;
  cid: string;
  /** The key id to answer with (CONNECT and REAUTH only). */
  kid: string | undefined;
  env: Record<string, string>;
}

/** A connected client as `status 3` lists it. */
export interface StatusClient {
  cid: string;
  commonName: string;
  username: string | undefined;
  realAddress: string;
  /** Both empty while the connection is in its handshake or waits for its authorization. */
  virtualAddress: string;
  virtualIpv6Address: string;
  connectedAt: Date;
}

export type ManagementMessage =
  | { type: 'client'; event: ClientEvent }
  /** Any other `>` notification (INFO, HOLD, LOG, ...), by its source. */
  | { type: 'notice'; source: string; text: string }
  /** A line of a reply to the oldest command sent. */
  | { type: 'reply'; line: string };

const CLIENT_HEADER = /^>CLIENT:(CONNECT|REAUTH|ESTABLISHED|DISCONNECT),(\d+)(?:,(\d+))?$/;
const ENV_PREFIX = '>CLIENT:ENV,';

/**
 * Turns the server's lines into messages. A client event is complete only at `>CLIENT:ENV,END`,
 * so the lines in between are held here.
 */
/** Splits what arrived into whole lines (CR LF or LF), keeping an unfinished last line for later. */
export function takeLines(buffered: string): { lines: string[]; rest: string } {
  const parts = buffered.split('\n');
  const rest = parts.pop() ?? '';
  return { lines: parts.map((line) => line.replace(/\r$/, '')), rest };
}

export class MessageReader {
  #open: ClientEvent | undefined;

  read(line: string): ManagementMessage | undefined {
    if (this.#open !== undefined && line.startsWith(ENV_PREFIX)) {
      const entry = line.slice(ENV_PREFIX.length);
      if (entry === 'END') {
        const event = this.#open;
        this.#open = undefined;
        return { type: 'client', event };
      }
      const equals = entry.indexOf('=');
      if (equals > 0) this.#open.env[entry.slice(0, equals)] = entry.slice(equals + 1);
      return undefined;
    }
    const header = CLIENT_HEADER.exec(line);
    if (header !== null) {
      this.#open = { kind: header[1] as ClientEventKind, cid: header[2] as string, kid: header[3], env: {} };
      return undefined;
    }
    if (line.startsWith('>')) {
      const colon = line.indexOf(':');
      return colon < 0
        ? { type: 'notice', source: line.slice(1), text: '' }
        : { type: 'notice', source: line.slice(1, colon), text: line.slice(colon + 1) };
    }
    return { type: 'reply', line };
  }
}

/** One argument of a command, quoted the way the management interface reads it. */
export function quote(argument: string): string {
  // A line break would end the command and start another one.
  if (/[\r\n]/.test(argument)) throw new Error('a management command argument cannot hold a line break');
  return `"${argument.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

const cidPattern = /^\d+$/;

function checkIds(...ids: string[]): void {
  for (const id of ids) if (!cidPattern.test(id)) throw new Error(`not a management client id: ${id}`);
}

export const commands = {
  authorize(cid: string, kid: string): string {
    checkIds(cid, kid);
    return `client-auth-nt ${cid} ${kid}`;
  },
  /** `logReason` goes to the server's log; `clientReason` to the client, after `AUTH_FAILED,`. */
  deny(cid: string, kid: string, logReason: string, clientReason: string): string {
    checkIds(cid, kid);
    return `client-deny ${cid} ${kid} ${quote(logReason)} ${quote(clientReason)}`;
  },
  /** With a reason the client halts and shows it; without one it reconnects (RESTART). */
  kill(cid: string, haltReason?: string): string {
    checkIds(cid);
    return haltReason === undefined
      ? `client-kill ${cid}`
      : `client-kill ${cid} ${quote(`HALT,${haltReason}`)}`;
  },
  status: 'status 3',
  pid: 'pid',
  releaseHold: 'hold release',
} as const;

/** The reply lines of `status 3` (tab-separated, up to END) as the clients it lists. */
export function parseStatus(lines: readonly string[]): StatusClient[] {
  let columns: string[] | undefined;
  const clients: StatusClient[] = [];
  for (const line of lines) {
    const fields = line.split('\t');
    if (fields[0] === 'HEADER' && fields[1] === 'CLIENT_LIST') columns = fields.slice(1);
    if (fields[0] !== 'CLIENT_LIST' || columns === undefined) continue;
    const field = (name: string) => fields[columns?.indexOf(name) ?? -1] ?? '';
    const cid = field('Client ID');
    if (!cidPattern.test(cid)) continue;
    const username = field('Username');
    clients.push({
      cid,
      commonName: field('Common Name'),
      username: username === '' || username === 'UNDEF' ? undefined : username,
      realAddress: field('Real Address'),
      virtualAddress: field('Virtual Address'),
      virtualIpv6Address: field('Virtual IPv6 Address'),
      connectedAt: new Date(Number(field('Connected Since (time_t)')) * 1000),
    });
  }
  return clients;
}
