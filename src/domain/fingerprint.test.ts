import { describe, expect, it } from 'vitest';
import {
  describeDifference,
  differingProperties,
  FINGERPRINT_PROPERTIES,
  type FingerprintProperty,
  fingerprintOf,
  type MachineProperties,
} from './fingerprint.js';

const base: MachineProperties = {
  machineId: '4c4c4544-0042-3510-8052-b4c04f4e3132',
  hostname: 'vpn-1.example.net',
  macs: ['02:42:ac:11:00:02', '52:54:00:12:34:56'],
  cpu: 'Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz',
  os: 'Linux x64 debian 12',
};

const machine = (overrides: Partial<MachineProperties> = {}): MachineProperties => ({
  ...base,
  ...overrides,
});

describe('fingerprintOf', () => {
  it('has a 64-hex digest and one 64-hex digest per property', () => {
    const fingerprint = fingerprintOf(base);
    expect(fingerprint.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(fingerprint.properties).sort()).toEqual([...FINGERPRINT_PROPERTIES].sort());
    for (const name of FINGERPRINT_PROPERTIES) expect(fingerprint.properties[name]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is deterministic', () => {
    expect(fingerprintOf(machine())).toEqual(fingerprintOf(machine()));
  });

  it('ignores the order of MACs', () => {
    const reversed = machine({ macs: [...base.macs].reverse() });
    expect(fingerprintOf(reversed)).toEqual(fingerprintOf(base));
  });

  it('ignores the case of MACs and surrounding white space', () => {
    const upper = machine({ macs: [' 52:54:00:12:34:56 ', '02:42:AC:11:00:02'] });
    expect(fingerprintOf(upper)).toEqual(fingerprintOf(base));
  });

  it('ignores duplicate MACs', () => {
    const duplicated = machine({ macs: [...base.macs, '02:42:ac:11:00:02'] });
    expect(fingerprintOf(duplicated)).toEqual(fingerprintOf(base));
  });

  it('ignores all-zero MACs (loopback, unconfigured interfaces)', () => {
    const withZero = machine({ macs: ['00:00:00:00:00:00', ...base.macs, '000000000000'] });
    expect(fingerprintOf(withZero)).toEqual(fingerprintOf(base));
    const onlyZero = fingerprintOf(machine({ macs: ['00:00:00:00:00:00'] }));
    expect(onlyZero).toEqual(fingerprintOf(machine({ macs: [] })));
  });

  it('ignores the case of the hostname and surrounding white space', () => {
    expect(fingerprintOf(machine({ hostname: 'VPN-1.Example.NET' }))).toEqual(fingerprintOf(base));
    expect(fingerprintOf(machine({ hostname: '  vpn-1.example.net\n' }))).toEqual(fingerprintOf(base));
  });

  it('changes when a MAC is added, removed or replaced', () => {
    const original = fingerprintOf(base);
    for (const macs of [
      [...base.macs, '52:54:00:ab:cd:ef'],
      [base.macs[0] as string],
      ['52:54:00:ab:cd:ef'],
    ]) {
      const other = fingerprintOf(machine({ macs }));
      expect(other.digest).not.toBe(original.digest);
      expect(differingProperties(original.properties, other.properties)).toEqual(['macs']);
    }
  });

  it('changes when the hostname or any other property changes', () => {
    const original = fingerprintOf(base).digest;
    expect(fingerprintOf(machine({ hostname: 'vpn-2.example.net' })).digest).not.toBe(original);
    expect(fingerprintOf(machine({ machineId: 'other' })).digest).not.toBe(original);
    expect(fingerprintOf(machine({ cpu: 'AMD EPYC 7763' })).digest).not.toBe(original);
    expect(fingerprintOf(machine({ os: 'Linux arm64 debian 12' })).digest).not.toBe(original);
  });

  it('keeps property digests apart: the same value under two names digests differently', () => {
    const same = fingerprintOf(machine({ machineId: 'x', hostname: 'x', cpu: 'x', os: 'x', macs: ['x'] }));
    expect(new Set(Object.values(same.properties)).size).toBe(5);
  });
});

describe('differingProperties', () => {
  const original = fingerprintOf(base).properties;

  it('is empty for the same machine', () => {
    expect(differingProperties(original, fingerprintOf(machine()).properties)).toEqual([]);
  });

  it.each<[Partial<MachineProperties>, FingerprintProperty]>([
    [{ machineId: 'another-machine-id' }, 'machineId'],
    [{ hostname: 'vpn-2.example.net' }, 'hostname'],
    [{ macs: ['52:54:00:ab:cd:ef'] }, 'macs'],
    [{ cpu: 'AMD EPYC 7763' }, 'cpu'],
    [{ os: 'Linux x64 ubuntu 24.04' }, 'os'],
  ])('names exactly the changed property (%o -> %s)', (overrides, name) => {
    expect(differingProperties(original, fingerprintOf(machine(overrides)).properties)).toEqual([name]);
  });

  it('names several changed properties in the fixed order, whatever order they are given', () => {
    const changed = fingerprintOf(machine({ os: 'FreeBSD', hostname: 'other', macs: [] })).properties;
    expect(differingProperties(original, changed)).toEqual(['hostname', 'macs', 'os']);
  });

  it('names every property when everything differs', () => {
    const other = fingerprintOf({
      machineId: 'm',
      hostname: 'h',
      macs: ['02:00:00:00:00:01'],
      cpu: 'c',
      os: 'o',
    });
    expect(differingProperties(original, other.properties)).toEqual([...FINGERPRINT_PROPERTIES]);
  });
});

describe('describeDifference', () => {
  it('uses "differs" for one property', () => {
    expect(describeDifference(['hostname'])).toBe(
      'hostname differs from the machine the license was activated on',
    );
    expect(describeDifference(['macs'])).toBe(
      'network interface MACs differs from the machine the license was activated on',
    );
  });

  it('joins two properties with "and" and uses "differ"', () => {
    expect(describeDifference(['hostname', 'macs'])).toBe(
      'hostname and network interface MACs differ from the machine the license was activated on',
    );
  });

  it('lists several properties with commas and a final "and"', () => {
    expect(describeDifference(['machineId', 'cpu', 'os'])).toBe(
      'machine id, CPU model and operating system differ from the machine the license was activated on',
    );
  });

  it('does not modify the list it is given', () => {
    const names: FingerprintProperty[] = ['hostname', 'cpu'];
    describeDifference(names);
    expect(names).toEqual(['hostname', 'cpu']);
  });
});

describe('MAC address notations', () => {
  it('reads colon, dash and dot notations of one address alike, and drops all-zero ones', () => {
    const colons = fingerprintOf(machine({ macs: ['02:42:ac:11:00:02'] }));
    expect(fingerprintOf(machine({ macs: ['02-42-AC-11-00-02'] }))).toEqual(colons);
    expect(fingerprintOf(machine({ macs: ['0242.ac11.0002', '00-00-00-00-00-00'] }))).toEqual(colons);
  });

  it('says the fingerprint differs even when no single property is named', () => {
    expect(describeDifference([])).toBe(
      'the machine fingerprint differs from the one the license was activated on',
    );
  });
});
