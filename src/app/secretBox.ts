/**
 * Secrets the server must be able to read back (the secret of an Authing-style
 * access key: the server recomputes the client's HMAC with it), sealed with
 * AES-256-GCM under the server key ORGSYNC_SECRET_KEY.
 *
 * Sealed form: `v1.<key fingerprint>.<iv>.<tag>.<ciphertext>` (base64url
 * parts). The fingerprint (first 8 bytes of the key's SHA-256, hex) says which
 * server key sealed it, so a server started with another key fails with a clear
 * message instead of an authentication-tag error. The associated data binds the
 * ciphertext to its row (the access key id): a ciphertext copied onto another
 * row does not open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function seal(key: Buffer, plaintext: string, associatedData: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', keyFingerprint(key), iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

export type OpenResult = { ok: true; plaintext: string } | { ok: false; reason: 'wrong_key' | 'corrupt' };

/** The fingerprint of the key a sealed value needs (undefined: not a sealed value). */
export function sealedWith(sealed: string): string | undefined {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === 'v1' ? parts[1] : undefined;
}

export function open(key: Buffer, sealed: string, associatedData: string): OpenResult {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== 'v1') return { ok: false, reason: 'corrupt' };
  const [, fingerprint, iv, tag, ciphertext] = parts as [string, string, string, string, string];
  if (fingerprint !== keyFingerprint(key)) return { ok: false, reason: 'wrong_key' };
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    return { ok: true, plaintext };
  } catch {
    return { ok: false, reason: 'corrupt' };
  }
}
