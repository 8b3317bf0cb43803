// Checks the shipped systemd units with `systemd-analyze verify` and the example configs against the config schema.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../core/config-schema.js';

const SYSTEMD_DIR = join(import.meta.dirname, '..', '..', 'systemd');
const INSTALLED_BINARY = '/usr/bin/artisync';
// Each unit and the name it is verified under (a template needs an instance).
const UNITS = [
  { file: 'artisync-hub.service', verifyAs: 'artisync-hub.service' },
  { file: 'artisync-agent.service', verifyAs: 'artisync-agent.service' },
  { file: 'artisync-agent@.service', verifyAs: 'artisync-agent@tenant1.service' },
];

function systemdAnalyzeVersion(): string | undefined {
  const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.split('\n')[0] : undefined;
}

describe('systemd units', () => {
  let workDir = '';
  let fakeBinary = '';

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'artisync-units-'));
    // verify checks that ExecStart's binary exists and is executable; the units name the installed path, so each
    // copy points at a stand-in script instead — everything else in the unit is verified as shipped.
    fakeBinary = join(workDir, 'artisync');
    writeFileSync(fakeBinary, '#!/bin/sh\nexit 0\n');
    chmodSync(fakeBinary, 0o755);
  });

  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('needs systemd-analyze (CI installs the systemd package)', () => {
    expect(systemdAnalyzeVersion(), 'systemd-analyze is not installed: apt-get install systemd, then run this test again').toBeDefined();
  });

  for (const unit of UNITS) {
    it(`${unit.file} passes systemd-analyze verify without warnings`, () => {
      expect(systemdAnalyzeVersion(), 'systemd-analyze is not installed: apt-get install systemd').toBeDefined();
      const shipped = readFileSync(join(SYSTEMD_DIR, unit.file), 'utf8');
      expect(shipped).toContain(`ExecStart=${INSTALLED_BINARY} `);
      writeFileSync(join(workDir, unit.file), shipped.replaceAll(`ExecStart=${INSTALLED_BINARY} `, `ExecStart=${fakeBinary} `));
      const result = spawnSync('systemd-analyze', ['verify', join(workDir, unit.verifyAs)], { encoding: 'utf8' });
      const unitName = unit.file.replace('@.service', '@');
      const complaints = result.stderr.split('\n').filter((line) => line.includes(unitName));
      expect(complaints, result.stderr).toEqual([]);
      expect(result.status, result.stderr).toBe(0);
    });
  }

  it('agent units send readiness through systemd-notify, restart on failure and run as the artisync user', () => {
    for (const file of ['artisync-agent.service', 'artisync-agent@.service']) {
      const text = readFileSync(join(SYSTEMD_DIR, file), 'utf8');
      for (const line of ['Type=notify', 'NotifyAccess=all', 'Restart=on-failure', 'User=artisync', 'ProtectSystem=strict', 'NoNewPrivileges=yes', 'PrivateTmp=yes', 'ProtectHome=yes']) {
        expect(text, `${file} lacks ${line}`).toMatch(new RegExp(`^${line}$`, 'm'));
      }
      expect(text).toMatch(/^ReadWritePaths=.*synapse-configs\/default$/m);
      expect(text).toMatch(/^ReadWritePaths=.*executionplans$/m);
    }
  });

  it('every hardening line carries a comment', () => {
    for (const { file } of UNITS) {
      const lines = readFileSync(join(SYSTEMD_DIR, file), 'utf8').split('\n');
      lines.forEach((line, index) => {
        if (/^(Protect|Private|Restrict|NoNewPrivileges|LockPersonality|SystemCall|CapabilityBoundingSet)/.test(line)) {
          expect(lines[index - 1], `${file}:${index + 1} ${line}`).toMatch(/^# /);
        }
      });
    }
  });
});

describe('example configs', () => {
  const read = (name: string): Record<string, unknown> => parseToml(readFileSync(join(SYSTEMD_DIR, name), 'utf8'));
  const sources = (file: Record<string, unknown>) => ({ file, filePath: 'example', env: new Map(), flags: new Map() });

  it('hub.toml is valid and sets every key SPEC.md lists', () => {
    const file = read('hub.toml');
    expect(() => resolveConfig('hub', sources(file))).not.toThrow();
    expect(Object.keys(file).sort()).toEqual(
      ['conflict_policy', 'history_limit', 'listen', 'log_level', 'max_artifact_bytes', 'redis_url', 'stream_maxlen', 'tokens_file'].sort(),
    );
  });

  it('agent.toml is valid and sets every key SPEC.md lists', () => {
    const file = read('agent.toml');
    expect(() => resolveConfig('agent', sources(file))).not.toThrow();
    for (const key of ['node_id', 'server_root', 'hub_url', 'token_file', 'redis_url', 'state_dir', 'admin_listen']) expect(file).toHaveProperty(key);
    expect(Object.keys(file.publisher as object).sort()).toEqual(['enabled', 'labels', 'mass_delete_guard', 'quiet_ms']);
    expect(Object.keys(file.gateway as object).sort()).toEqual(
      ['data_retrieval_mode', 'deployment_retry_duration', 'enabled', 'event_waiting_time', 'gateway_labels', 'on_deploy', 'verify_interval'],
    );
  });
});
