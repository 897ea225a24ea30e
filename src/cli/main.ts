import { CommanderError } from 'commander';
import { CliError, EXIT } from './output.js';
import { createProgram } from './program.js';

/** Errors no command turned into a CliError, in words and an exit code a script can use. */
async function explain(error: unknown): Promise<{ message: string; exitCode: number }> {
  const { message } = error as Error;
  // Loaded only on this path: the store's drivers would slow every command's start.
  const { isStoreUnavailable } = await import('../service/store/database.js');
  if (isStoreUnavailable(error))
    return { message: `the store is not answering: ${message}`, exitCode: EXIT.unavailable };
  return {
    message: `unexpected error: ${message} (set SEATKEEPER_DEBUG=1 for details)`,
    exitCode: EXIT.internal,
  };
}

// Output piped into a command that stops reading (`| head`) is not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
  throw error;
});

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (error instanceof CliError) {
    process.stderr.write(`seatkeeper: ${error.message} (${error.code})\n`);
    process.exitCode = error.exitCode;
  } else {
    const { message, exitCode } = await explain(error);
    process.stderr.write(`seatkeeper: ${message}\n`);
    if (process.env.SEATKEEPER_DEBUG) process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = exitCode;
  }
}
