// Builds the agent's Debian package: `npm run package -- --vendor-key data/vendor.pem [--out DIR]`.
// The vendor builds it for its customers, with its own public key installed where the agent reads it.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleCli } from './build.mjs';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const PACKAGING = join(ROOT, 'packaging');
export const PACKAGE_NAME = 'seatkeeper-agent';
/** Where the package puts the bundle; /usr/bin/seatkeeper runs its entry. */
const LIBRARY = 'usr/lib/seatkeeper-agent';

const USAGE = `Usage: npm run package -- --vendor-key FILE [--out DIR] [--maintainer "NAME <EMAIL>"]

Builds ${PACKAGE_NAME}_VERSION_all.deb: the agent (the bundled seatkeeper command, run by
Node.js 20.19 or later), /usr/bin/seatkeeper, the systemd unit seatkeeper-agent.service with its
settings in /etc/default/seatkeeper-agent, the seatkeeper user and /var/lib/seatkeeper-agent, and
the vendor public key FILE in /etc/seatkeeper/vendor.pem (the vendor.pem the license service
writes in its data directory).

  --vendor-key FILE   the vendor's public key every agent of this package trusts (required)
  --out DIR           where the .deb is written (default: the current directory)
  --maintainer TEXT   the package's Maintainer field
  -h, --help          this text
`;

class PackageError extends Error {}

function options(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'vendor-key': { type: 'string' },
        out: { type: 'string' },
        maintainer: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new PackageError(`${error.message}\n\n${USAGE}`);
  }
  if (parsed.help) return undefined;
  if (parsed['vendor-key'] === undefined)
    throw new PackageError(`give the vendor public key: --vendor-key FILE\n\n${USAGE}`);
  const vendorKey = resolve(parsed['vendor-key']);
  if (!existsSync(vendorKey)) throw new PackageError(`the vendor key file ${vendorKey} does not exist`);
  return {
    vendorKey,
    out: resolve(parsed.out ?? '.'),
    maintainer: parsed.maintainer ?? 'Seatkeeper <seatkeeper@localhost>',
  };
}

/** Runs a command; a failure stops the build with what it printed. */
function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { encoding: 'utf8', env });
  if (result.error?.code === 'ENOENT')
    throw new PackageError(
      command === 'dpkg-deb'
        ? 'dpkg-deb is not installed: build the package on Debian or Ubuntu (package dpkg)'
        : `${command} is not installed`,
    );
  if (result.status !== 0)
    throw new PackageError(`${command} ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** A static file of packaging/ into the tree, with its mode. */
function place(tree, source, target, mode, replacements = {}) {
  const path = join(tree, target);
  mkdirSync(join(path, '..'), { recursive: true });
  let text = readFileSync(join(PACKAGING, source), 'utf8');
  for (const [name, value] of Object.entries(replacements)) text = text.replaceAll(`@${name}@`, value);
  writeFileSync(path, text);
  chmodSync(path, mode);
}

/** Every directory 0755 (dpkg-deb refuses group- or world-writable ones), whatever the umask. */
function normalizeDirectories(path) {
  chmodSync(path, 0o755);
  for (const entry of readdirSync(path, { withFileTypes: true }))
    if (entry.isDirectory()) normalizeDirectories(join(path, entry.name));
}

function sizeInKib(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return Math.ceil(stat.size / 1024);
  return readdirSync(path).reduce((total, name) => total + sizeInKib(join(path, name)), 0);
}

export async function buildPackage({ vendorKey, out, maintainer }) {
  run('dpkg-deb', ['--version']);
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const staging = mkdtempSync(join(tmpdir(), 'seatkeeper-package-'));
  try {
    const tree = join(staging, PACKAGE_NAME);
    // The bundle alone runs every `agent` command: no native module and no package beyond Node's own.
    const library = join(tree, LIBRARY);
    mkdirSync(library, { recursive: true });
    for (const file of await bundleCli(library)) {
      writeFileSync(file.path, file.contents);
      chmodSync(file.path, 0o644);
    }
    // The vendor key, installed by the agent's own `agent install`: the same checks, file and modes.
    const install = spawnSync(
      process.execPath,
      [join(library, 'seatkeeper.mjs'), 'agent', 'install', '--vendor-key', vendorKey],
      { encoding: 'utf8', env: { ...process.env, SEATKEEPER_AGENT_CONFIG: join(tree, 'etc/seatkeeper') } },
    );
    if (install.status !== 0)
      throw new PackageError(
        `the vendor key cannot be installed: ${install.stderr.replace(/^seatkeeper: /, '')}`,
      );
    place(tree, 'seatkeeper', 'usr/bin/seatkeeper', 0o755);
    place(tree, 'seatkeeper-agent.service', 'lib/systemd/system/seatkeeper-agent.service', 0o644);
    place(tree, 'default', 'etc/default/seatkeeper-agent', 0o644);
    const installedSize = String(sizeInKib(tree));
    for (const script of ['postinst', 'prerm', 'postrm']) place(tree, script, `DEBIAN/${script}`, 0o755);
    place(tree, 'control', 'DEBIAN/control', 0o644, {
      VERSION: version,
      MAINTAINER: maintainer,
      INSTALLED_SIZE: installedSize,
    });
    writeFileSync(
      join(tree, 'DEBIAN/conffiles'),
      '/etc/default/seatkeeper-agent\n/etc/seatkeeper/vendor.pem\n',
    );
    normalizeDirectories(tree);
    mkdirSync(out, { recursive: true });
    const deb = join(out, `${PACKAGE_NAME}_${version}_all.deb`);
    run('dpkg-deb', ['--build', '--root-owner-group', tree, join(staging, basename(deb))]);
    copyFileSync(join(staging, basename(deb)), deb);
    return deb;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const chosen = options(process.argv.slice(2));
    if (chosen === undefined) process.stdout.write(USAGE);
    else process.stdout.write(`${await buildPackage(chosen)}\n`);
  } catch (error) {
    if (!(error instanceof PackageError)) throw error;
    process.stderr.write(`package: ${error.message}\n`);
    process.exitCode = 2;
  }
}
