import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SessionResults } from '../api';
import { ResultsTable } from './ResultsTable';

const LONG = 'Bartholomew Featherstonehaugh-Smythe III';

const results: SessionResults = {
  session_id: 'K7PQ2M',
  title: 'Everyday verbs',
  standings: [{ rank: 1, user_id: 'u-bart', display_name: LONG, score: 950, correct_count: 1 }],
  questions: [],
};

describe('ResultsTable', () => {
  // How the name wraps and is cut is CSS (.results-name), checked in Chromium:
  // jsdom lays nothing out. What a cut name still offers is checked here.
  it('keeps a name the cell may cut readable in full', () => {
    render(<ResultsTable results={results} />);
    const name = within(screen.getByTestId('results-row')).getByRole('rowheader');
    expect(name).toHaveClass('results-name');
    expect(name).toHaveTextContent(LONG);
    expect(name).toHaveAttribute('title', LONG);
  });
});
