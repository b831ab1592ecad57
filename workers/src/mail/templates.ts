// Every mail the product sends, in plain text and HTML. Values are escaped for HTML; links are
// built by the caller from the web app's origin.
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** One layout for every mail: a heading, paragraphs, one button, the link spelled out. */
function layout(heading: string, paragraphs: string[], action: { label: string; url: string } | undefined, footer: string): string {
  const p = paragraphs.map((t) => `<p style="margin:0 0 16px">${escapeHtml(t)}</p>`).join('');
  return `<!doctype html><html><body style="margin:0;background:#f4f4f5;font-family:system-ui,sans-serif;color:#18181b">
<div style="max-width:520px;margin:32px auto;background:#fff;border-radius:8px;padding:32px">
<h1 style="font-size:20px;margin:0 0 16px">${escapeHtml(heading)}</h1>${p}
${action ? `<p style="margin:24px 0"><a href="${escapeHtml(action.url)}" style="background:#4f46e5;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:600">${escapeHtml(action.label)}</a></p>
<p style="font-size:12px;color:#71717a;word-break:break-all">Or open this link: ${escapeHtml(action.url)}</p>` : ''}
<p style="font-size:12px;color:#71717a">${escapeHtml(footer)}</p></div></body></html>`;
}

export function verifyEmailMail(input: { name: string; organizationName: string | undefined; url: string; ttlHours: number }): RenderedMail {
  const where = input.organizationName ? ` for ${input.organizationName}` : '';
  const subject = `Verify your email address${where} on Roomcast`;
  const lines = [
    `Hi ${input.name},`,
    `Confirm that this address is yours to finish setting up your Roomcast account${where}. Until then you cannot go live, create API keys or accept invitations.`,
  ];
  const footer = `The link works once and expires in ${input.ttlHours} hours. If you did not sign up, ignore this mail.`;
  return {
    subject,
    text: `${lines.join('\n\n')}\n\nVerify: ${input.url}\n\n${footer}\n`,
    html: layout('Verify your email address', lines, { label: 'Verify email address', url: input.url }, footer),
  };
}

export function passwordResetMail(input: { name: string; url: string; ttlMinutes: number }): RenderedMail {
  const lines = [`Hi ${input.name},`, 'Someone (hopefully you) asked to reset the password of your Roomcast account.'];
  const footer = `The link works once and expires in ${input.ttlMinutes} minutes. Resetting signs you out everywhere else. If you did not ask for this, ignore this mail: your password stays as it is.`;
  return {
    subject: 'Reset your Roomcast password',
    text: `${lines.join('\n\n')}\n\nChoose a new password: ${input.url}\n\n${footer}\n`,
    html: layout('Reset your password', lines, { label: 'Choose a new password', url: input.url }, footer),
  };
}

export function invitationMail(input: { organizationName: string; inviterName: string; role: string; url: string; expiresAt: Date }): RenderedMail {
  const lines = [
    `${input.inviterName} invited you to join ${input.organizationName} on Roomcast as ${input.role}.`,
    'Sign in (or create an account) with this email address to accept.',
  ];
  const footer = `This invitation expires on ${input.expiresAt.toUTCString()}.`;
  return {
    subject: `${input.inviterName} invited you to ${input.organizationName} on Roomcast`,
    text: `${lines.join('\n\n')}\n\nAccept: ${input.url}\n\n${footer}\n`,
    html: layout(`Join ${input.organizationName}`, lines, { label: 'Accept invitation', url: input.url }, footer),
  };
}

export function emailChangeMail(input: { name: string; newEmail: string; url: string; ttlHours: number }): RenderedMail {
  const lines = [`Hi ${input.name},`, `Someone (hopefully you) asked to use ${input.newEmail} as the email address of a Roomcast account.`];
  const footer = `The link works once and expires in ${input.ttlHours} hours. Confirming signs the account out everywhere else. If you did not ask for this, ignore this mail.`;
  return {
    subject: 'Confirm your new Roomcast email address',
    text: `${lines.join('\n\n')}\n\nConfirm the change: ${input.url}\n\n${footer}\n`,
    html: layout('Confirm your new email address', lines, { label: 'Confirm the new address', url: input.url }, footer),
  };
}

/** To the OLD address: a change was asked for (the new address is only hinted at). */
export function emailChangeNoticeMail(input: { name: string; newEmailHint: string }): RenderedMail {
  const lines = [
    `Hi ${input.name},`,
    `Someone signed in to your Roomcast account asked to change its email address to ${input.newEmailHint}. The change happens only when the link we sent to that address is opened.`,
  ];
  const footer = 'If this was not you, change your password now and sign out your other sessions from your account page.';
  return {
    subject: 'Your Roomcast email address is about to change',
    text: `${lines.join('\n\n')}\n\n${footer}\n`,
    html: layout('Email address change requested', lines, undefined, footer),
  };
}
