import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Fingerprint } from '../contract/activation.js';
import { checker } from '../contract/check.js';
import type { MachineProperties } from '../domain/fingerprint.js';

const MACHINE = checker(Fingerprint);

function firstReadable(paths: string[]): string {
  for (const path of paths) {
    try {
      const text = readFileSync(path, 'utf8').trim();
      if (text !== '') return text;
    } catch {
      // Try the next place this distribution may keep it.
    }
  }
  return 'unknown';
}

function distribution(): string {
  const release = firstReadable(['/etc/os-release', '/usr/lib/os-release']);
  const field = (name: string) => new RegExp(`^${name}="?([^"\\n]*)"?$`, 'm').exec(release)?.[1] ?? '';
  return [field('ID'), field('VERSION_ID')].filter(Boolean).join(' ') || 'unknown';
}

/** The properties of this machine a license is bound to, read from the system. */
export function readMachineProperties(): MachineProperties {
  const macs = Object.values(os.networkInterfaces())
    .flatMap((addresses) => addresses ?? [])
    .filter((address) => !address.internal)
    .map((address) => address.mac);
  return {
    machineId: firstReadable(['/etc/machine-id', '/var/lib/dbus/machine-id']),
    hostname: os.hostname(),
    macs,
    cpu: os.cpus()[0]?.model.trim() || 'unknown',
    os: `${os.type()} ${os.arch()} ${distribution()}`,
  };
}

/**
 * This machine's properties with any of them replaced from a JSON file: tests and labs play
 * several machines on one host this way. Only an explicit `--simulate-machine` asks for it, never
 * the environment, and `agent run` refuses it: a copied state directory must not count on another
 * machine because a file names the first one's properties.
 */
export function simulatedMachineProperties(file: string): MachineProperties {
  const real = readMachineProperties();
  let override: unknown;
  try {
    override = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read machine properties from ${file}: ${(error as Error).message}`);
  }
  if (typeof override !== 'object' || override === null || Array.isArray(override)) {
    throw new Error(`${file} must hold a JSON object of machine properties`);
  }
  // Checked as the service checks the properties of an activation request.
  const merged = MACHINE({ ...real, ...override });
  if (!merged.ok) throw new Error(`${file}: not valid machine properties (${merged.wrong})`);
  return merged.value;
}
