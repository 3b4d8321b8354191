/**
 * `STUDIO_IDENTITY_MAP`: which identity of this service a SageMaker Studio user is, as
 * `studio-user=identity` entries separated by `;` (IAM names may hold `,` and `=`, never `;`). The
 * Studio user is a user profile name, `domainId/profileName`, a user profile ARN or an IAM
 * principal ARN; the identity is what the tokens call that person (e.g. `alice@corp.com`).
 */
export function parseStudioIdentityMap(spec: string | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  (spec ?? '')
    .split(';')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .forEach((entry, index) => {
      const at = entry.lastIndexOf('=');
      const studioUser = entry.slice(0, at).trim();
      const identity = entry.slice(at + 1).trim();
      if (at <= 0 || !studioUser || !identity) {
        throw new Error(`STUDIO_IDENTITY_MAP entry ${index + 1}: expected studio-user=identity`);
      }
      if (map[studioUser] && map[studioUser] !== identity) {
        throw new Error(`STUDIO_IDENTITY_MAP entry ${index + 1}: ${studioUser} is mapped twice`);
      }
      map[studioUser] = identity;
    });
  return map;
}
