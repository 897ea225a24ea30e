import { createHash } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { canonicalJson } from './canonical-json.js';
import { SINGLE_LINE } from './text.js';

/**
 * A machine fingerprint is a set of properties of the machine a license is bound to. The service
 * and the certificate keep only a digest of each property, so a mismatch can say which property
 * differed without either side storing the machine's details.
 */
export const FINGERPRINT_PROPERTIES = ['machineId', 'hostname', 'macs', 'cpu', 'os'] as const;

export type FingerprintProperty = (typeof FINGERPRINT_PROPERTIES)[number];

const Text = (description: string) =>
  Type.String({ minLength: 1, maxLength: 256, pattern: SINGLE_LINE, description });

/** The machine's properties as the agent reads them; the HTTP API and the agent's files carry this shape. */
export const MachinePropertiesSchema = Type.Object(
  {
    machineId: Text('Machine id (/etc/machine-id)'),
    hostname: Text('Host name'),
    macs: Type.Array(Type.String({ maxLength: 64, pattern: SINGLE_LINE }), {
      maxItems: 64,
      description: 'Network interface MAC addresses',
    }),
    cpu: Text('CPU model'),
    os: Text('Operating system and release'),
  },
  { additionalProperties: false, description: 'Machine properties the key is bound to' },
);
export type MachineProperties = Static<typeof MachinePropertiesSchema>;

export type PropertyDigests = Record<FingerprintProperty, string>;

export interface Fingerprint {
  digest: string;
  properties: PropertyDigests;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The same machine reported twice must give the same value: order and case do not matter. */
function normalize(name: FingerprintProperty, properties: MachineProperties): string {
  if (name === 'macs') {
    // 02-00-5E-10-00-01, 02:00:5e:10:00:01 and 0200.5e10.0001 are one address; all zeros is none.
    const macs = properties.macs
      .map((mac) => mac.trim().toLowerCase().replace(/[-:.]/g, ''))
      .filter((mac) => !/^0*$/.test(mac));
    return [...new Set(macs)].sort().join(',');
  }
  const value = properties[name].trim();
  return name === 'hostname' ? value.toLowerCase() : value;
}

export function fingerprintOf(properties: MachineProperties): Fingerprint {
  const digests = {} as PropertyDigests;
  for (const name of FINGERPRINT_PROPERTIES) digests[name] = sha256(`${name}:${normalize(name, properties)}`);
  return { digest: sha256(canonicalJson(digests)), properties: digests };
}

/** The properties whose digests differ, in a fixed order; empty when the machines match. */
export const differingProperties = (
  expected: PropertyDigests,
  actual: PropertyDigests,
): FingerprintProperty[] => FINGERPRINT_PROPERTIES.filter((name) => expected[name] !== actual[name]);

const LABELS: Record<FingerprintProperty, string> = {
  machineId: 'machine id',
  hostname: 'hostname',
  macs: 'network interface MACs',
  cpu: 'CPU model',
  os: 'operating system',
};

/** `hostname and network interface MACs differ`: what a person reads after the seeds' prefix. */
export function describeDifference(names: readonly FingerprintProperty[]): string {
  if (names.length === 0) return 'the machine fingerprint differs from the one the license was activated on';
  const labels = names.map((name) => LABELS[name]);
  const last = labels.pop();
  const list = labels.length > 0 ? `${labels.join(', ')} and ${last}` : (last ?? '');
  return `${list} ${names.length === 1 ? 'differs' : 'differ'} from the machine the license was activated on`;
}
