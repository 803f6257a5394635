/**
 * The colours of the answer tiles. Each choice's tile has its own colour
 * (red, blue, amber, green, purple, teal), shared by the phones, the
 * projector and the chart, and its own shape, for those who cannot tell
 * the colours apart. A question whose choices name colours ("blue", "dark green") gets
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

/** The shapes of the tiles, one per colour (a seventh choice starts again, its letter apart). */
const SHAPES = ['▲', '◆', '●', '■', '★', '✚'];

/** The colour class of a choice's tile (or chart bar, with `prefix` "bar"). */
export function tileClass(choices: readonly string[], index: number, prefix = 'choice'): string {
  return namesColours(choices) ? `${prefix}-plain` : `${prefix}-${index % SHAPES.length}`;
}

/** The shape on a choice's tile (plain tiles too: it tells them apart beside the letter). */
export function tileShape(index: number): string {
  return SHAPES[index % SHAPES.length];
}
