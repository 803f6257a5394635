import { describe, expect, it } from 'vitest';
import { namesColours, tileClass, tileShape } from './palette';

describe('answer tile colours', () => {
  it('gives each of six choices its own colour and shape', () => {
    const choices = ['start', 'finish', 'stay', 'hold', 'wait', 'leave', 'go'];
    expect(choices.map((_, index) => tileClass(choices, index))).toEqual([
      'choice-0',
      'choice-1',
      'choice-2',
      'choice-3',
      'choice-4',
      'choice-5',
      'choice-0',
    ]);
    expect(tileClass(choices, 5, 'bar')).toBe('bar-5');
    const shapes = choices.map((_, index) => tileShape(index));
    expect(new Set(shapes.slice(0, 6)).size).toBe(6);
    expect(shapes[6]).toBe(shapes[0]);
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
