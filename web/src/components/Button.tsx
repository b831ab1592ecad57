import { splitProps, type JSX } from 'solid-js';
import { Spinner } from './Spinner';

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost';

const VARIANTS: Record<ButtonVariant, string> = {
  primary: 'bg-indigo-600 text-white hover:bg-indigo-500 disabled:bg-indigo-300',
  secondary: 'bg-white text-slate-800 ring-1 ring-inset ring-slate-300 hover:bg-slate-50 disabled:text-slate-400',
  danger: 'bg-white text-red-700 ring-1 ring-inset ring-red-300 hover:bg-red-50 disabled:text-red-300',
  ghost: 'text-slate-700 hover:bg-slate-100 disabled:text-slate-400',
};

export const buttonClass = (variant: ButtonVariant = 'primary', extra = '') =>
  `inline-flex items-center justify-center gap-2 rounded-md px-3 py-2 text-sm font-semibold shadow-sm transition-colors disabled:cursor-not-allowed ${VARIANTS[variant]} ${extra}`;

type ButtonProps = JSX.ButtonHTMLAttributes<HTMLButtonElement> & { variant?: ButtonVariant; loading?: boolean };

/** A real <button> (keyboard and screen-reader friendly); `loading` disables it and says so. */
export function Button(props: ButtonProps) {
  const [local, rest] = splitProps(props, ['variant', 'loading', 'class', 'children', 'type', 'disabled']);
  return (
    <button
      type={local.type ?? 'button'}
      class={buttonClass(local.variant, local.class)}
      disabled={local.disabled || local.loading}
      aria-busy={local.loading ? 'true' : undefined}
      {...rest}
    >
      {local.loading ? <Spinner label="" class="text-current" /> : null}
      {local.children}
    </button>
  );
}

/** A link that looks like a button (navigation stays a link). */
export function ButtonLink(props: JSX.AnchorHTMLAttributes<HTMLAnchorElement> & { variant?: ButtonVariant }) {
  const [local, rest] = splitProps(props, ['variant', 'class']);
  return <a class={buttonClass(local.variant ?? 'secondary', local.class)} {...rest} />;
}
