// /confirm-email-change?token=...: the page the mail to the NEW address links to.
import { TokenConfirmPage } from '~/components/TokenConfirmPage';
import { confirmEmailChangeAction } from '~/account/two-factor';

export default function ConfirmEmailChange() {
  return <TokenConfirmPage title="Confirm your new email address" action={confirmEmailChangeAction} submitLabel="Use this email address" />;
}
