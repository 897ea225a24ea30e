/** dist/seatkeeper.mjs, the entry of the bundle. */
export const ENTRY: string;
/** Builds dist/ from the sources, each file renamed into place, the entry last. */
export function buildCli(): Promise<void>;
