// Second factor and email change as router queries and actions.
import { action, query } from '@solidjs/router';
import { confirmEmailChange, confirmTwoFactor, disableTwoFactor, enrollTwoFactor, loadTwoFactorStatus, requestEmailChange, verifyTwoFactor } from './two-factor.server';

export const getTwoFactorStatus = query(loadTwoFactorStatus, 'two-factor-status');
export const verifyTwoFactorAction = action(verifyTwoFactor, 'two-factor-verify');
export const enrollTwoFactorAction = action(enrollTwoFactor, 'two-factor-enroll');
export const confirmTwoFactorAction = action(confirmTwoFactor, 'two-factor-confirm');
export const disableTwoFactorAction = action(disableTwoFactor, 'two-factor-disable');
export const requestEmailChangeAction = action(requestEmailChange, 'email-change-request');
export const confirmEmailChangeAction = action(confirmEmailChange, 'email-change-confirm');
