// /verify-email?token=...: the page a verification mail links to.
import { TokenConfirmPage } from '~/components/TokenConfirmPage';
import { verifyEmailAction } from '~/account/account-links';

export default function VerifyEmail() {
  return (
    <TokenConfirmPage
      title="Verify your email address"
      action={verifyEmailAction}
      submitLabel="Verify my email address"
      intro={<p class="mb-6 text-sm text-slate-600">Confirm that this address is yours. You can then go live, create API keys and accept invitations.</p>}
    />
  );
}
