/**
 * How many rows of a list fit the box the layout gives it, for the
 * projector's reveal: its leaderboard shows as many whole rows as fit beside
 * the chart (eight on a 1080 px screen, fewer at 720 px or under a long
 * prompt), and a typed question's list as many words as fit under the
 * answer, never a row cut in half or below the fold.
 */

import { useCallback, useEffect, useState } from 'react';

/**
 * Whole rows of `rowHeight` (and `gap` between them) in `available` pixels,
 * between `min` and `max`. `max` when nothing was measured (no layout).
 */
export function rowsThatFit(
  available: number,
  rowHeight: number,
  gap: number,
  min: number,
  max: number,
): number {
  if (available <= 0 || rowHeight <= 0) return max;
  const fit = Math.floor((available + gap) / (rowHeight + gap));
  return Math.max(min, Math.min(max, fit));
}

/**
 * Measure a list whose box is sized by the layout, its rows all as high as
 * the first. Fractional heights: rows of 36.4 px read as 36 would let a sixth
 * row overflow the box by a pixel or two, cut at the bottom.
 */
function measure(list: HTMLElement, min: number, max: number): number {
  const first = list.firstElementChild;
  if (!(first instanceof HTMLElement)) return max;
  const style = getComputedStyle(list);
  const gap = parseFloat(style.rowGap) || 0;
  const edges =
    (parseFloat(style.borderTopWidth) || 0) +
    (parseFloat(style.borderBottomWidth) || 0) +
    (parseFloat(style.paddingTop) || 0) +
    (parseFloat(style.paddingBottom) || 0);
  const available = list.getBoundingClientRect().height - edges;
  return rowsThatFit(available, first.getBoundingClientRect().height, gap, min, max);
}

/**
 * The rows that fit a list (between `min` and `max`), measured again as its
 * box changes size (the window, a longer prompt above it). Returns the count
 * and a ref callback for the list.
 */
export function useRowsThatFit(min: number, max: number): [number, (list: HTMLElement | null) => void] {
  const [list, setList] = useState<HTMLElement | null>(null);
  const [rows, setRows] = useState(max);
  const ref = useCallback((node: HTMLElement | null) => setList(node), []);

  useEffect(() => {
    if (!list) return;
    const update = () => setRows(measure(list, min, max));
    update();
    if (typeof ResizeObserver === 'undefined') {
      window.addEventListener('resize', update);
      return () => window.removeEventListener('resize', update);
    }
    const observer = new ResizeObserver(update);
    observer.observe(list);
    return () => observer.disconnect();
  }, [list, min, max]);

  return [rows, ref];
}
