/**
 * The colours of the answer tiles. Each choice's tile has its own colour
 * (red, blue, amber, green), shared by the phones, the projector and the
 * chart. A question whose choices name colours ("blue", "dark green") gets
 * plain tiles instead: "blue" on a red tile confuses the learners the
 * question is for. The letters A, B, C… still tell the tiles apart.
 */
const COLOUR_WORDS = new Set([
  'amber',
  'beige',
  'black',
  'blue',
  'brown',
  'crimson',
  'cyan',
  'gold',
  'golden',
  'gray',
  'green',
  'grey',
  'indigo',
  'lilac',
  'magenta',
  'maroon',
  'navy',
  'orange',
  'pink',
  'purple',
  'red',
  'scarlet',
  'silver',
  'turquoise',
  'violet',
  'white',
  'yellow',
]);

/** True when some choice names a colour (a word of it, in any case). */
export function namesColours(choices: readonly string[]): boolean {
  return choices.some((choice) =>
    choice
      .toLowerCase()
      .split(/[^\p{L}]+/u)
      .some((word) => COLOUR_WORDS.has(word)),
  );
}

/** The colour class of a choice's tile (or chart bar, with `prefix` "bar"). */
export function tileClass(choices: readonly string[], index: number, prefix = 'choice'): string {
  return namesColours(choices) ? `${prefix}-plain` : `${prefix}-${index % 4}`;
}
