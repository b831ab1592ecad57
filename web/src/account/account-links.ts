// Email verification, password reset, sessions and password change as router queries and actions.
import { action, query } from '@solidjs/router';
import {
  changePassword,
  loadSessions,
  requestPasswordReset,
  resendVerification,
  resetPassword,
  revokeOtherSessions,
  revokeSession,
  verifyEmail,
} from './account-links.server';

export const getSessions = query(loadSessions, 'account-sessions');

export const verifyEmailAction = action(verifyEmail, 'verify-email');
export const resendVerificationAction = action(resendVerification, 'resend-verification');
export const requestPasswordResetAction = action(requestPasswordReset, 'request-password-reset');
export const resetPasswordAction = action(resetPassword, 'reset-password');
export const revokeSessionAction = action(revokeSession, 'revoke-session');
export const revokeOtherSessionsAction = action(revokeOtherSessions, 'revoke-other-sessions');
export const changePasswordAction = action(changePassword, 'change-password');
