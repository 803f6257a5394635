import { describe, expect, it } from 'vitest';
import { csvBlob, csvCell, resultsCsv, toCsv } from './csv';

describe('CSV export', () => {
  it('writes a header and one line per participant with CRLF ends', () => {
    const text = resultsCsv([
      { rank: 1, user_id: 'u1', display_name: 'Ann', score: 1800, correct_count: 2 },
      { rank: 2, user_id: 'u2', display_name: 'Bo', score: 900, correct_count: null },
    ]);
    expect(text).toBe(
      'rank,user_id,display_name,score,correct_count\r\n1,u1,Ann,1800,2\r\n2,u2,Bo,900,\r\n',
    );
  });

  it('adds each player\'s answers per played question for the host, headed by the question', () => {
    const question = (id: string, index: number, played: boolean) => ({
      question_id: id,
      index,
      prompt: `Choose the synonym of 'begin', ${id}`,
      correct_answer: null,
      answer_count: null,
      correct_count: null,
      correct_share: null,
      choice_counts: null,
      played,
    });
    const text = resultsCsv(
      [
        {
          rank: 1,
          user_id: 'u1',
          display_name: 'Ann',
          score: 950,
          correct_count: 1,
          answers: { q1: { answer: 'start', correct: true, points: 950 } },
        },
        { rank: 2, user_id: 'u2', display_name: 'Bo', score: 0, correct_count: 0, answers: {} },
      ],
      [question('q1', 0, true), question('q2', 1, false)],
    );
    // A question nobody answered says so, not blank cells.
    expect(text).toBe(
      'rank,user_id,display_name,score,correct_count,"Q1: Choose the synonym of \'begin\', q1",Q1 correct,Q1 points\r\n' +
        '1,u1,Ann,950,1,start,yes,950\r\n2,u2,Bo,0,0,no answer,no,0\r\n',
    );
  });

  it('quotes commas, quotes and line breaks', () => {
    expect(csvCell('Smith, Jo')).toBe('"Smith, Jo"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(toCsv([['a,b', 1]])).toBe('"a,b",1\r\n');
  });

  it('keeps names that look like formulas as text', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('@me')).toBe("'@me");
    expect(csvCell(-5)).toBe('-5');
  });

  it('makes a UTF-8 CSV blob with a byte order mark', async () => {
    const blob = csvBlob('name\r\nZoë\r\n');
    expect(blob.type).toBe('text/csv;charset=utf-8');
    const bytes = new Uint8Array(await blob.arrayBuffer());
    expect(Array.from(bytes.slice(0, 3))).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes.slice(3))).toBe('name\r\nZoë\r\n');
  });
});
