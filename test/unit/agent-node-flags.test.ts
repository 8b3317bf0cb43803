// The agents' Node flags are the same wherever artisync starts an agent: the systemd units set them through NODE_OPTIONS.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_NODE_FLAGS } from '../../cli/agent-node-flags.js';

const UNITS = ['systemd/artisync-agent.service', 'systemd/artisync-agent@.service'];

describe('agent Node flags', () => {
  it.each(UNITS)('%s sets NODE_OPTIONS to the flags `artisync up` and the bench use', (unit) => {
    const text = readFileSync(join(import.meta.dirname, '..', '..', unit), 'utf8');
    const options = /^Environment=NODE_OPTIONS=(.*)$/m.exec(text)?.[1];
    expect(options?.split(' ')).toEqual([...AGENT_NODE_FLAGS]);
  });
});
