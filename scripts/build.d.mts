/** dist/seatkeeper.mjs, the entry of the bundle. */
export const ENTRY: string;
/** Builds dist/ from the sources, each file renamed into place, the entry last. */
export function buildCli(): Promise<void>;
/** The bundle's files for `outdir` (dist/ by default), in memory: the entry `seatkeeper.mjs` and its chunks. */
export function bundleCli(outdir?: string): Promise<Array<{ path: string; contents: Uint8Array }>>;
