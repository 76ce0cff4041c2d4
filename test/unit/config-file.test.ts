import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigFileError, environmentOver, readConfigFile } from '../../src/config/config-file.ts';

describe('config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-config-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves a relative dataDir against the file, not the working directory', () => {
    const path = join(dir, 'switchboard.json');
    writeFileSync(path, JSON.stringify({ dataDir: 'state', port: 9000 }));
    expect(readConfigFile(path)).toEqual({ dataDir: join(dir, 'state'), port: 9000 });
  });

  it('lies beneath the environment: a variable set to something wins, an empty one does not', () => {
    const env = environmentOver({ port: 9000, host: '0.0.0.0', sync: 'normal', ws: { heartbeatMs: 5000 } }, { PORT: '7000', HOST: '', OTHER: 'kept' });
    expect(env).toEqual({ PORT: '7000', HOST: '0.0.0.0', SWITCHBOARD_SYNC: 'normal', SWITCHBOARD_WS_HEARTBEAT_MS: '5000', OTHER: 'kept' });
  });

  it('validates declared event subscriptions with the rest of the file, naming the wrong field', () => {
    const path = join(dir, 'subscriptions.json');
    writeFileSync(path, JSON.stringify({ eventSubscriptions: { crm: { endpointUrl: 'https://crm.example.com/e', maxEventsPerBatch: 0 } } }));
    expect(() => readConfigFile(path)).toThrow(ConfigFileError);
    expect(() => readConfigFile(path)).toThrow(/eventSubscriptions\.crm\.maxEventsPerBatch/);
    writeFileSync(path, JSON.stringify({ eventSubscriptions: { 'bad id!': { endpointUrl: 'https://crm.example.com/e' } } }));
    expect(() => readConfigFile(path)).toThrow(/eventSubscriptions/);
    writeFileSync(path, JSON.stringify({ webhookTimeout: '30 seconds' }));
    expect(() => readConfigFile(path)).toThrow(/webhookTimeout/);
  });

  it('stands its routers for SWITCHBOARD_ROUTERS and each router’s key for its own variable, beneath the environment', () => {
    const file = { routers: { 'eu-west': { accessKey: 'ZmlsZQ==' }, 'us-east': { accessKey: 'ZmlsZQ==' }, plain: {} } };
    expect(environmentOver(file, { SWITCHBOARD_ACCESS_KEY_US_EAST: 'ZW52' })).toEqual({
      SWITCHBOARD_ROUTERS: 'eu-west,us-east,plain',
      SWITCHBOARD_ACCESS_KEY_EU_WEST: 'ZmlsZQ==',
      SWITCHBOARD_ACCESS_KEY_US_EAST: 'ZW52',
    });
  });

  it('refuses an unknown setting of a router, naming it', () => {
    const path = join(dir, 'routers.json');
    writeFileSync(path, JSON.stringify({ routers: { alpha: { acessKey: 'x' } } }));
    expect(() => readConfigFile(path)).toThrow(/routers\.alpha/);
  });
});
