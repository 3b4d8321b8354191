/**
 * One dynamic config for both deployments: `npm run cluster` points its server at
 * cluster/temporal-dynamic-config.yaml, and docker-compose.yml must mount that same file where its
 * DYNAMIC_CONFIG_FILE_PATH says (else compose runs on the server's defaults: 10 visibility calls/s).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DYNAMIC_CONFIG_PATH } from '../../../cluster/temporal-server';

const ROOT = join(__dirname, '../../..');

describe('the Temporal dynamic config', () => {
  it('is the one file docker-compose mounts for its Temporal server', () => {
    expect(existsSync(DYNAMIC_CONFIG_PATH)).toBe(true);
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    const mount = new RegExp(
      `- \\./${relative(ROOT, DYNAMIC_CONFIG_PATH).replace(/\./g, '\\.')}:/etc/temporal/(config/dynamicconfig/[\\w.-]+\\.yaml):ro`,
    ).exec(compose);
    expect(mount, 'docker-compose mounts cluster/temporal-dynamic-config.yaml').not.toBeNull();
    expect(compose).toContain(`DYNAMIC_CONFIG_FILE_PATH: ${mount![1]}`);
  });

  it('holds what the lifecycle needs of the server, one value per key', () => {
    const yaml = readFileSync(DYNAMIC_CONFIG_PATH, 'utf8');
    const values: Record<string, string> = Object.fromEntries(
      [...yaml.matchAll(/^([\w.]+):\n {2}- value: (\S+)$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    const keys = [...yaml.matchAll(/^([\w.]+):/gm)].map((m) => m[1]);
    expect(Object.keys(values)).toEqual(keys); // every key in the one shape the server reads here
    expect(values).toMatchObject({
      'system.enableDeploymentVersions': 'true',
      'frontend.enableUpdateWorkflowExecution': 'true',
      'frontend.namespaceRPS.visibility': '100',
      'limit.memoSize.warn': '65536',
    });
    expect(values).not.toHaveProperty('limit.memoSize.error'); // the server's 2 MiB, which the memo keeps under
  });
});
