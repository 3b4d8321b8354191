/**
 * AWS refuses a request that is not signed. The emulator accepts any credentials, but a request
 * without a Signature Version 4 Authorization header gets the error AWS would return, so a client
 * misconfigured to send anonymous requests fails here as it would against AWS.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from './aws-error';

export interface SignedBy {
  accessKeyId: string;
  region: string;
  service: string;
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=[^,]+, ?Signature=[0-9a-f]{64}$/;

export function checkSignature(headers: IncomingHttpHeaders): SignedBy {
  const auth = headers.authorization;
  if (!auth) {
    throw new AwsError(
      'MissingAuthenticationTokenException',
      'Missing Authentication Token',
      403,
      'MissingAuthenticationToken',
    );
  }
  const match = SIGV4.exec(auth);
  if (!match) {
    throw new AwsError(
      'IncompleteSignatureException',
      `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters (AWS4-HMAC-SHA256). Authorization=${auth.slice(0, 40)}`,
      403,
      'IncompleteSignature',
    );
  }
  return { accessKeyId: match[1]!, region: match[2]!, service: match[3]! };
}
