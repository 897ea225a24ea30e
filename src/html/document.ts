import { type Fragment, type Html, html } from './html.js';

/**
 * A whole page as the service and the agent serve it: one stylesheet, no scripts, a link that
 * skips to the content, a header bar and the main content with an optional one-line outcome.
 */
export function htmlDocument(parts: {
  title: string;
  header: Fragment;
  notice?: string | undefined;
  body: Fragment;
}): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${parts.title} · Seatkeeper</title>
<link rel="stylesheet" href="/assets/site.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
${parts.header}
</header>
<main id="main">
${parts.notice === undefined ? '' : html`<p class="notice" role="status">${parts.notice}</p>`}
${parts.body}
</main>
</body>
</html>`;
}

/** A form's refusal, next to the form, announced to screen readers. */
export const formError = (message: string | undefined): Html =>
  message === undefined ? html`` : html`<p class="error" role="alert">${message}</p>`;

/** Pages forbid every script, inline or not, and every frame: there is nothing to inject into. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');
