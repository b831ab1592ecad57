// SSO sign-in and settings as router queries and actions.
import { action, query } from '@solidjs/router';
import { deleteSsoSettings, finishSso, loadSsoSettings, saveSsoSettings, saveTwoFactorRequirement, startSso } from './sso.server';

export const getSsoSettings = query(loadSsoSettings, 'sso-settings');
export const startSsoAction = action(startSso, 'sso-start');
export const finishSsoAction = action(finishSso, 'sso-finish');
export const saveSsoSettingsAction = action(saveSsoSettings, 'sso-save');
export const deleteSsoSettingsAction = action(deleteSsoSettings, 'sso-delete');
export const saveTwoFactorRequirementAction = action(saveTwoFactorRequirement, 'two-factor-requirement');
