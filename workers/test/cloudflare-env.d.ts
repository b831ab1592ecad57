// `exports` from cloudflare:workers names the Worker's own entry points (wrangler types would
// generate this); tests call the default fetch handler through it.
declare namespace Cloudflare {
  interface Exports {
    default: Fetcher;
  }
}
