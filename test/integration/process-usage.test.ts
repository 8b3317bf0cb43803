// Reading peak RSS and CPU seconds from /proc for a live process, as the bench's resources scenario does.
import { describe, expect, it } from 'vitest';
import { readProcessUsage } from '../../bench/process-usage.js';

describe('readProcessUsage', () => {
  it('reports a peak RSS of at least the current RSS and CPU time that grows with work', async () => {
    const before = await readProcessUsage(process.pid);
    let spin = 0;
    for (let i = 0; i < 3e7; i += 1) spin += i % 7;
    const after = await readProcessUsage(process.pid);
    expect(spin).toBeGreaterThan(0);
    expect(after.peakRssBytes).toBeGreaterThanOrEqual(process.memoryUsage().rss * 0.5);
    expect(after.cpuSeconds).toBeGreaterThan(before.cpuSeconds);
  });

  it('fails for a process that does not exist', async () => {
    await expect(readProcessUsage(2 ** 30)).rejects.toThrow();
  });
});
