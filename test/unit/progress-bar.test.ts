// Unit tests of the import/export progress bar: rendering, redraws, and silence when stdout is not a terminal.
import { describe, expect, it } from 'vitest';
import { ProgressBar, progressSinkForTerminal, renderProgress } from '../../cli/progress-bar.js';

describe('renderProgress', () => {
  it('fills the bar in proportion and shows counts', () => {
    expect(renderProgress(5, 10, 'files', 10)).toBe('[#####-----] 50% 5/10 files');
  });

  it('shows a full bar for an empty job and clamps overshoot', () => {
    expect(renderProgress(0, 0, 'files', 4)).toBe('[####] 100% 0/0 files');
    expect(renderProgress(7, 5, 'files', 4)).toBe('[####] 100% 7/5 files');
  });
});

describe('ProgressBar', () => {
  it('redraws in place only when the line changes and ends with a newline', () => {
    const writes: string[] = [];
    const bar = new ProgressBar({ write: (text: string) => writes.push(text) }, 2, 'files');
    bar.advance();
    bar.advance(0);
    bar.advance();
    bar.finish();
    expect(writes).toHaveLength(3);
    expect(writes[0]).toMatch(/^\r\[#+-+\] 50% 1\/2 files/);
    expect(writes[1]).toContain('100% 2/2 files');
    expect(writes[2]).toBe('\n');
  });

  it('draws nothing without a sink', () => {
    const bar = new ProgressBar(undefined, 3, 'files');
    expect(() => {
      bar.advance();
      bar.finish();
    }).not.toThrow();
  });

  it('writes to stderr only when stdout is a terminal', () => {
    const stderr = { write: () => true };
    expect(progressSinkForTerminal({ isTTY: true }, stderr)).toBe(stderr);
    expect(progressSinkForTerminal({ isTTY: false }, stderr)).toBeUndefined();
    expect(progressSinkForTerminal({}, stderr)).toBeUndefined();
  });
});
