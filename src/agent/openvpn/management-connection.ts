import { connect, type Socket } from 'node:net';
import { fail, ok, type Result } from '../../domain/errors.js';
import { type ManagementMessage, MessageReader, takeLines } from './protocol.js';

/** Where an OpenVPN server's management interface listens: `HOST:PORT` or a unix socket path. */
export type ManagementAddress = { host: string; port: number } | { path: string };

export function parseManagementAddress(text: string): Result<ManagementAddress> {
  const value = text.trim();
  if (value.startsWith('/') || value.startsWith('.')) return ok({ path: value });
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (match === null || !Number.isInteger(port) || port < 1 || port > 65_535)
    return fail(
      'validation_failed',
      `--openvpn-management must be HOST:PORT (as in the server's "management 127.0.0.1 7505" line) or a unix socket path, not "${text}"`,
      'openvpnManagement',
    );
  return ok({ host: match[1] ?? (match[2] as string), port });
}

export const describeAddress = (address: ManagementAddress): string =>
  'path' in address ? address.path : `${address.host}:${address.port}`;

interface PendingCommand {
  /** `status` replies run over several lines up to END; the others are one line. */
  multiline: boolean;
  lines: string[];
  done: (reply: CommandReply) => void;
}

export interface CommandReply {
  ok: boolean;
  lines: string[];
}

/**
 * One attachment to a server's management interface: reads its lines, hands notifications to
 * `onMessage` as they come and matches replies to commands in the order they were sent.
 */
export class ManagementConnection {
  readonly #socket: Socket;
  readonly #reader = new MessageReader();
  readonly #pending: PendingCommand[] = [];
  #buffer = '';
  #closed = false;
  #passwordSent = false;
  onMessage: (message: ManagementMessage) => void = () => {};
  onClose: () => void = () => {};

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /**
   * Connects and waits for the interface's greeting, sending the password first when it asks.
   * Every message after the greeting goes to `onMessage`, from the very next line on. Fails with
   * the reason when the server is not there or refuses the password.
   */
  static open(
    address: ManagementAddress,
    password: string | undefined,
    onMessage: (message: ManagementMessage) => void,
    timeoutMs = 5_000,
  ): Promise<ManagementConnection> {
    const socket = 'path' in address ? connect(address.path) : connect(address.port, address.host);
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    const connection = new ManagementConnection(socket);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => abort(new Error(`no greeting from ${describeAddress(address)} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const abort = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      socket.once('error', abort);
      connection.onMessage = (message) => {
        if (message.type === 'reply' && message.line === 'ERROR: bad password')
          abort(
            new Error(
              `the management interface at ${describeAddress(address)} refused the password${password === undefined ? ': it asks for one (--management-password-file)' : ' of --management-password-file'}`,
            ),
          );
        else if (message.type === 'reply' && message.line.startsWith('ERROR'))
          abort(new Error(`the management interface refused: ${message.line}`));
        if (message.type !== 'notice' || message.source !== 'INFO') return;
        clearTimeout(timer);
        socket.off('error', abort);
        connection.onMessage = onMessage;
        resolve(connection);
      };
      socket.on('data', (chunk: string) => connection.#receive(chunk, password));
      socket.on('error', () => socket.destroy());
      socket.once('close', () => {
        abort(new Error(`the management interface at ${describeAddress(address)} closed the connection`));
        connection.#close();
      });
    });
  }

  #receive(chunk: string, password: string | undefined): void {
    const { lines, rest } = takeLines(this.#buffer + chunk);
    this.#buffer = rest;
    for (const line of lines) this.#line(line);
    // The password prompt is the one line sent without its end; asked again, the password was wrong.
    if (this.#buffer === 'ENTER PASSWORD:') {
      this.#buffer = '';
      if (this.#passwordSent) {
        this.onMessage({ type: 'reply', line: 'ERROR: bad password' });
        this.#socket.destroy();
        return;
      }
      this.#passwordSent = true;
      this.#socket.write(`${password ?? ''}\n`);
    }
  }

  #line(line: string): void {
    const message = this.#reader.read(line);
    if (message === undefined) return;
    if (message.type !== 'reply' || this.#pending.length === 0) {
      this.onMessage(message);
      return;
    }
    const head = this.#pending[0] as PendingCommand;
    if (!head.multiline || line.startsWith('ERROR:') || line === 'END') {
      this.#pending.shift();
      if (line !== 'END') head.lines.push(line);
      head.done({ ok: !line.startsWith('ERROR:'), lines: head.lines });
    } else head.lines.push(line);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const command of this.#pending.splice(0))
      command.done({ ok: false, lines: ['ERROR: connection closed'] });
    this.onClose();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one command; its reply comes back, or `ok: false` if the connection closes first. */
  send(command: string): Promise<CommandReply> {
    if (this.#closed) return Promise.resolve({ ok: false, lines: ['ERROR: connection closed'] });
    return new Promise((done) => {
      this.#pending.push({ multiline: command.startsWith('status'), lines: [], done });
      this.#socket.write(`${command}\n`);
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}
