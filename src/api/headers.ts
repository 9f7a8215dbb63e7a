/**
 * Headers on every answer. The policy lets pages run only the console's own script file and load only its own
 * stylesheet, images and API: no inline script, nothing from another site, no framing by other pages.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * `same-origin`, not `no-referrer`: under the latter Chromium sends `Origin: null` with a form's POST, which the
 * same-origin check must refuse, and the login form could never sign in.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

/** Data and pages behind the token are kept by no cache; the console's files are revalidated by their ETag. */
export const NO_STORE = { 'cache-control': 'no-store' };
export const REVALIDATE = { 'cache-control': 'no-cache' };
