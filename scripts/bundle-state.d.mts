/** dist/seatkeeper.mjs, the command's bundle. */
export const BUNDLE: string;
/** True when the bundle exists and is newer than every source it is built from. */
export function isBundleCurrent(): boolean;
