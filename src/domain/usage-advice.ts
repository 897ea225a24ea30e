/**
 * The seeds' sizing rule made concrete: a key is sized by the tunnels connected at one time, not
 * by users ("500 user accounts, about 90 of them online at the same time: a license key for 100
 * is perfectly fine"). From a subject's peak over a window and what it is licensed for, this says
 * whether its key fits, is too small, or is far larger than needed.
 */

/** The online minimum: no key is suggested below it. */
const SMALLEST_SIZE = 10;

/** Round sizes a key is suggested in; above the last, whole multiples of 500. */
const SIZES = [10, 25, 50, 100, 150, 200, 250, 500, 750, 1000] as const;

/** The smallest round size that holds `peak` tunnels. */
export function sizeFor(peak: number): number {
  const wanted = Math.max(peak, SMALLEST_SIZE);
  return SIZES.find((size) => size >= wanted) ?? Math.ceil(wanted / 500) * 500;
}

export type SizingAdvice =
  | { kind: 'no_data'; sentence: string }
  | { kind: 'fits'; peak: number; licensed: number; size: number; sentence: string }
  | { kind: 'over'; peak: number; licensed: number; size: number; sentence: string }
  | { kind: 'smaller'; peak: number; licensed: number; size: number; sentence: string };

/** At or under this share of what is licensed, the peak is far below it. */
const FAR_BELOW_SHARE = 0.5;

/**
 * `peak` is the most tunnels connected at one time in the window (undefined when nothing was
 * reported in it), `licensed` the connections licensed at the end of it.
 */
export function sizingAdvice(peak: number | undefined, licensed: number, days = 30): SizingAdvice {
  if (peak === undefined)
    return {
      kind: 'no_data',
      sentence: `No usage reported in the last ${days} days yet: advice on the key’s size follows once its servers report their tunnels.`,
    };
  const was = `your peak in the last ${days} days was ${peak} of ${licensed}`;
  if (peak > licensed) {
    const size = sizeFor(peak);
    return {
      kind: 'over',
      peak,
      licensed,
      size,
      sentence: `${capitalized(was)}: more tunnels than licensed, so some were refused or disconnected; a ${size}-connection key fits.`,
    };
  }
  const size = sizeFor(peak);
  if (peak <= licensed * FAR_BELOW_SHARE && size < licensed)
    return {
      kind: 'smaller',
      peak,
      licensed,
      size,
      sentence: `${capitalized(was)}: a smaller key would do, a ${size}-connection key fits.`,
    };
  return {
    kind: 'fits',
    peak,
    licensed,
    size: licensed,
    sentence: `${capitalized(was)}: a ${licensed}-connection key fits.`,
  };
}

const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
