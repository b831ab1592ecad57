// Who is signed in, and signing in and out, as router queries and form actions.
import { action, query } from '@solidjs/router';
import { loadMe, loadMeOrLogin, login, logout, signup } from './session.server';

export type { Me } from './session.server';

export const getMe = query(loadMe, 'me');
/** Like getMe, but sends a signed-out visitor to the login page (and back afterwards). */
export const requireMe = query(loadMeOrLogin, 'require-me');

export const loginAction = action(login, 'login');
export const signupAction = action(signup, 'signup');
export const logoutAction = action(logout, 'logout');
