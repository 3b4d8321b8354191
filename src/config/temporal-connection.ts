/** Connection options for Temporal from the config: plain, mTLS (certificate files) or Temporal Cloud API key. */
import { readFile } from 'node:fs/promises';
import type { TLSConfig } from '@temporalio/client';
import type { TemporalConfig } from './index';

export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

export async function temporalConnectionOptions(config: TemporalConfig): Promise<TemporalConnectionOptions> {
  const options: TemporalConnectionOptions = { address: config.address };
  if (config.tls) {
    const [crt, key] = await Promise.all([readFile(config.tls.certPath), readFile(config.tls.keyPath)]);
    options.tls = { clientCertPair: { crt, key } };
  } else if (config.apiKey) {
    options.tls = true;
  }
  if (config.apiKey) options.apiKey = config.apiKey;
  return options;
}
