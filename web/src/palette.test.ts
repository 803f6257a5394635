import { describe, expect, it } from 'vitest';
import { namesColours, tileClass } from './palette';

describe('answer tile colours', () => {
  it('gives each choice its own colour', () => {
    const choices = ['start', 'finish', 'stay', 'hold', 'wait'];
    expect(choices.map((_, index) => tileClass(choices, index))).toEqual([
      'choice-0',
      'choice-1',
      'choice-2',
      'choice-3',
      'choice-0',
    ]);
    expect(tileClass(choices, 2, 'bar')).toBe('bar-2');
  });

  it('gives plain tiles to choices that name colours, so "blue" never sits on red', () => {
    const choices = ['Blue', 'green', 'red', 'yellow'];
    expect(choices.map((_, index) => tileClass(choices, index))).toEqual(Array(4).fill('choice-plain'));
    expect(tileClass(choices, 0, 'bar')).toBe('bar-plain');
    expect(namesColours(['a cat', 'dark grey'])).toBe(true);
  });

  it('does not take a word that only contains a colour for one', () => {
    expect(namesColours(['bored', 'reddish', 'greenhouse', 'Mr Brownlow'])).toBe(false);
  });
});
