import { describe, expect, it } from 'vitest';
import { loadLocalStackConfig } from '../../../dev/local-stack-config';
import { loadConfig } from '../../../src/config';

describe('the local stack settings', () => {
  it('has the documented defaults', () => {
    expect(loadLocalStackConfig({})).toEqual({
      dataDir: '.data',
      temporalPort: 7233,
      temporalUiPort: 8233,
      emulatorPort: 4566,
      emulatorMetricPeriodSeconds: 1,
      trafficRatePerSecond: 20,
      productionEndpointName: 'churn-prod',
    });
  });

  it('refuses a malformed port and names it', () => {
    expect(() => loadLocalStackConfig({ EMULATOR_PORT: 'x' })).toThrow(
      /EMULATOR_PORT: must be a port number/,
    );
  });

  it('is not the service’s business: the service config accepts any value there and has no such keys', () => {
    const config = loadConfig({ EMULATOR_PORT: 'x', DATA_DIR: '' });
    expect(Object.keys(config)).not.toContain('localStack');
  });
});
