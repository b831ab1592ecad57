// One self-signed ECDSA certificate per worker, as mediasoup does; its SHA-256 fingerprint goes in
// every transport's dtlsParameters.
import { X509Certificate } from 'node:crypto';
import { CipherContext, HashAlgorithm, NamedCurveAlgorithm, SignatureAlgorithm } from 'werift';

export interface DtlsCertificate {
  certPem: string;
  keyPem: string;
  signatureHash: { hash: number; signature: number };
  /** "AB:CD:..." upper case, as browsers print it. */
  fingerprint: string;
}

export async function createCertificate(): Promise<DtlsCertificate> {
  const c = await CipherContext.createSelfSignedCertificateWithKey(
    { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 },
    NamedCurveAlgorithm.secp256r1_23,
  );
  return {
    certPem: c.certPem,
    keyPem: c.keyPem,
    signatureHash: c.signatureHash,
    fingerprint: new X509Certificate(c.certPem).fingerprint256,
  };
}

/** Normalizes a fingerprint for comparison ("ab:cd" and "AB:CD" are the same). */
export const normalizeFingerprint = (value: string) => value.trim().toUpperCase();
