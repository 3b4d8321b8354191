/**
 * The local stack's generated tokens, kept in DATA_DIR (mode 0600) so that a restart keeps them and
 * the demo and CLI on the same machine can find one for the role they need. Only used when
 * AUTH_TOKENS is unset; never in a real deployment.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tokenFor, type StaticToken } from '../api/auth/static-tokens';

export const localTokensPath = (dataDir: string) => join(dataDir, 'local-tokens.json');

export async function readLocalTokens(dataDir: string): Promise<StaticToken[] | undefined> {
  try {
    return JSON.parse(await readFile(localTokensPath(dataDir), 'utf8')) as StaticToken[];
  } catch {
    return undefined;
  }
}

export async function writeLocalTokens(dataDir: string, tokens: StaticToken[]): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const path = localTokensPath(dataDir);
  await writeFile(path, JSON.stringify(tokens, null, 2), { mode: 0o600 });
  await chmod(path, 0o600);
}

/** A local token that carries `role`, when the stack generated one. */
export async function localTokenFor(dataDir: string, role: string): Promise<string | undefined> {
  const tokens = await readLocalTokens(dataDir);
  return tokens ? tokenFor(tokens, role) : undefined;
}
