// Single sign-on, second factor and email change: REST shapes shared by the Worker and the web app.
import { z } from 'zod';
import { ROLES } from '../permissions.ts';

const email = z
  .email()
  .max(254)
  .transform((v) => v.toLowerCase());

/** A domain name, lower-cased: labels of letters, digits and inner hyphens, at least two labels. */
export const EmailDomain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a domain name such as example.com');

// ── SSO settings (/organizations/{org}/sso) ──
export const SsoConnection = z.object({
  issuer: z.string(),
  clientId: z.string(),
  /** The secret's last characters only: it is sealed at rest and never shown back in full. */
  clientSecretHint: z.string(),
  domains: z.array(z.string()),
  defaultRole: z.enum(ROLES),
  ssoRequired: z.boolean(),
  /** False on a plan without SSO: the settings are kept, sign-in through them is refused. */
  planAllowsSso: z.boolean(),
  /** Where the provider must send browsers back (register it at the provider). */
  redirectUri: z.string(),
  updatedAt: z.string(),
});
export const SaveSsoConnectionInput = z.object({
  issuer: z.url().max(512),
  clientId: z.string().trim().min(1).max(256),
  /** Required when creating; omit to keep the stored secret. */
  clientSecret: z.string().min(1).max(512).optional(),
  domains: z.array(EmailDomain).min(1).max(20),
  defaultRole: z.enum(['admin', 'host', 'cohost', 'moderator', 'viewer']).default('viewer'),
  ssoRequired: z.boolean().default(false),
});

// ── SSO sign-in (/auth/sso) ──
export const SsoStartInput = z.object({ email });
export const SsoStartResponse = z.object({ authorizationUrl: z.string(), organization: z.object({ name: z.string(), slug: z.string() }) });
export const SsoCallbackInput = z.object({ code: z.string().min(1).max(2048), state: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not a valid state') });

// ── Second factor (TOTP) ──
const totpCode = z.string().trim().regex(/^\d{6}$/, 'the 6-digit code from your authenticator app');
const recoveryCode = z.string().trim().regex(/^[a-z0-9]{5}-?[a-z0-9]{5}$/i, 'a recovery code such as abcde-12345');
export const TwoFactorEnrollment = z.object({ secret: z.string(), otpauthUri: z.string() });
export const TwoFactorConfirmInput = z.object({ code: totpCode });
export const TwoFactorDisableInput = z.object({ password: z.string().min(1).max(256) });
export const TwoFactorStatus = z.object({ enabled: z.boolean(), recoveryCodesLeft: z.number().int() });
export const LoginTwoFactorInput = z
  .object({ challenge: z.string().regex(/^[A-Za-z0-9_-]{43}$/), code: totpCode.optional(), recoveryCode: recoveryCode.optional() })
  .refine((v) => Boolean(v.code) !== Boolean(v.recoveryCode), 'send either code or recoveryCode');
export const OrganizationSecurityInput = z.object({ requireTwoFactor: z.boolean() });

// ── Email change ──
export const EmailChangeInput = z.object({ newEmail: email, password: z.string().min(1).max(256) });
export const EmailChangeConfirmInput = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not a valid link token') });
