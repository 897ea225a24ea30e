import { describe, expect, it } from 'vitest';
import {
  commands,
  type ManagementMessage,
  MessageReader,
  parseStatus,
  quote,
  takeLines,
} from './protocol.js';

const readAll = (lines: string[]): ManagementMessage[] => {
  const reader = new MessageReader();
  return lines.flatMap((line) => reader.read(line) ?? []);
};

describe('the management interface as text', () => {
  it('assembles a client event from its header and ENV lines, up to END', () => {
    const messages = readAll([
      '>CLIENT:CONNECT,7,1',
      '>CLIENT:ENV,untrusted_ip=127.0.0.1',
      '>CLIENT:ENV,common_name=alice',
      '>CLIENT:ENV,password=',
      '>CLIENT:ENV,note=a=b',
      '>CLIENT:ENV,END',
    ]);
    expect(messages).toEqual([
      {
        type: 'client',
        event: {
          kind: 'CONNECT',
          cid: '7',
          kid: '1',
          env: { untrusted_ip: '127.0.0.1', common_name: 'alice', password: '', note: 'a=b' },
        },
      },
    ]);
  });

  it('reads DISCONNECT without a key id, notices by their source, and other lines as replies', () => {
    expect(readAll(['>CLIENT:DISCONNECT,3', '>CLIENT:ENV,END'])).toEqual([
      { type: 'client', event: { kind: 'DISCONNECT', cid: '3', kid: undefined, env: {} } },
    ]);
    expect(
      readAll(['>INFO:OpenVPN Management Interface Version 5', '>HOLD:Waiting for hold release:0']),
    ).toEqual([
      { type: 'notice', source: 'INFO', text: 'OpenVPN Management Interface Version 5' },
      { type: 'notice', source: 'HOLD', text: 'Waiting for hold release:0' },
    ]);
    expect(readAll(['SUCCESS: client-auth command succeeded'])).toEqual([
      { type: 'reply', line: 'SUCCESS: client-auth command succeeded' },
    ]);
    // A one-line notification between events is not mistaken for part of one.
    expect(readAll(['>CLIENT:ADDRESS,0,10.8.0.2,1'])).toEqual([
      { type: 'notice', source: 'CLIENT', text: 'ADDRESS,0,10.8.0.2,1' },
    ]);
  });

  it('quotes arguments and writes the commands the agent answers with', () => {
    expect(quote('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"');
    expect(commands.authorize('12', '3')).toBe('client-auth-nt 12 3');
    expect(commands.deny('12', '3', 'log reason', 'Licensed amount of concurrent connections exceeded')).toBe(
      'client-deny 12 3 "log reason" "Licensed amount of concurrent connections exceeded"',
    );
    expect(commands.kill('12', 'Licensed amount')).toBe('client-kill 12 "HALT,Licensed amount"');
    expect(commands.kill('12')).toBe('client-kill 12');
  });

  it('refuses a client id that is not a number, so nothing else reaches the server', () => {
    expect(() => commands.authorize('1\nsignal SIGTERM', '1')).toThrow(/not a management client id/);
    expect(() => commands.kill('')).toThrow(/not a management client id/);
    expect(() => quote('reason\nsignal SIGTERM')).toThrow(/line break/);
  });

  it('reads the clients of `status 3` by its header, pending ones with no virtual address', () => {
    const clients = parseStatus([
      'TITLE\tOpenVPN 2.6.14 x86_64-pc-linux-gnu',
      'TIME\t2026-11-28 06:13:48\t1795846428',
      'HEADER\tCLIENT_LIST\tCommon Name\tReal Address\tVirtual Address\tVirtual IPv6 Address\tBytes Received\tBytes Sent\tConnected Since\tConnected Since (time_t)\tUsername\tClient ID\tPeer ID\tData Channel Cipher',
      'CLIENT_LIST\talice\t127.0.0.1:41822\t10.100.0.2\t\t1938\t2035\t2026-11-28 06:13:08\t1795846388\tUNDEF\t0\t0\tAES-256-GCM',
      'CLIENT_LIST\tcarol\t127.0.0.1:46794\t\t\t1975\t1817\t2026-11-28 06:13:47\t1795846427\tcarol-user\t2\t0\tBF-CBC',
      'HEADER\tROUTING_TABLE\tVirtual Address\tCommon Name\tReal Address\tLast Ref\tLast Ref (time_t)',
      'ROUTING_TABLE\t10.100.0.2\talice\t127.0.0.1:41822\t2026-11-28 06:13:08\t1795846388',
      'GLOBAL_STATS\tMax bcast/mcast queue length\t0',
    ]);
    expect(clients).toEqual([
      {
        cid: '0',
        commonName: 'alice',
        username: undefined,
        realAddress: '127.0.0.1:41822',
        virtualAddress: '10.100.0.2',
        virtualIpv6Address: '',
        connectedAt: new Date(1795846388_000),
      },
      {
        cid: '2',
        commonName: 'carol',
        username: 'carol-user',
        realAddress: '127.0.0.1:46794',
        virtualAddress: '',
        virtualIpv6Address: '',
        connectedAt: new Date(1795846427_000),
      },
    ]);
    expect(parseStatus(['CLIENT_LIST\tno header first\t1'])).toEqual([]);
  });

  it('splits what arrived into whole lines and keeps an unfinished one for the next chunk', () => {
    expect(takeLines('SUCCESS: pid=7\r\n>HOLD:Wait\n>CLIENT:CONN')).toEqual({
      lines: ['SUCCESS: pid=7', '>HOLD:Wait'],
      rest: '>CLIENT:CONN',
    });
    expect(takeLines('ENTER PASSWORD:')).toEqual({ lines: [], rest: 'ENTER PASSWORD:' });
  });
});
