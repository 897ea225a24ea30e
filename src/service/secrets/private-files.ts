import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

/**
 * The data folder holds the vendor keys and the database (customers, token digests, sealed keys):
 * only the service's user may read them.
 */
const PRIVATE_FOLDER = 0o700;
const PRIVATE_FILE = 0o600;

const modeOf = (path: string): number => statSync(path).mode & 0o777;
const octal = (mode: number): string => `0${mode.toString(8)}`;

/** Makes the folder, and any missing parent, readable by its owner only. */
export function makePrivateFolder(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_FOLDER });
}

/**
 * Creates the file empty if it is missing and makes it 0600, also when an earlier version left it
 * open to others. SQLite gives its -wal and -shm files the mode of the database file.
 */
export function makePrivateFile(path: string, { create }: { create: boolean }): void {
  try {
    if (create) closeSync(openSync(path, 'a', PRIVATE_FILE));
    if ((modeOf(path) & 0o077) !== 0) chmodSync(path, PRIVATE_FILE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * A warning when an existing data folder is open to other users. It is not changed by itself: a
 * folder such as the working directory or a shared mount may be meant to stay open.
 */
export function openFolderWarning(path: string): string | undefined {
  const mode = modeOf(path);
  if ((mode & 0o077) === 0) return undefined;
  return `the data folder ${path} is open to other users (mode ${octal(mode)}); its keys and database are not: make it private with chmod 700 '${path}'`;
}
