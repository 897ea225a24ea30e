import type { FastifyReply, FastifyRequest } from 'fastify';
import { normalizeEmail } from '../../domain/email.js';
import type { Failure } from '../../domain/errors.js';
import { prefixKey } from '../../domain/failed-attempts.js';
import { checkNewPassword, hashPassword } from '../../domain/password.js';
import { formError } from '../../html/document.js';
import { cookiesOf, field, secretField } from '../../html/forms.js';
import { type Html, html } from '../../html/html.js';
import {
  LINK_LIFETIME_MS,
  type PasswordLink,
  passwordLinkHolder,
  requestPasswordReset,
  setPasswordWithLink,
} from '../auth/password-links.js';
import { checkPassword } from '../auth/passwords.js';
import { endSession, SESSION_MAX_MS, startSession } from '../auth/sessions.js';
import { redeemBootstrapToken } from '../auth/staff.js';
import { hasStaff } from '../auth/user-repository.js';
import { signInKey } from '../http/rate-limit.js';
import { page } from './layout.js';
import { mailLink, passwordLinkUrl } from './password-mail.js';
import { queryParam, sendPage } from './respond.js';
import {
  formCsrf,
  localPath,
  Redirect,
  renewFormCookie,
  SESSION_COOKIE,
  setCookie,
  visitorOf,
} from './visitor.js';
import type { WebModule } from './web-module.js';

const homeOf = (kind: 'staff' | 'account'): string => (kind === 'staff' ? '/console' : '/keys');

const passwordHint = html`<p class="hint" id="password-hint">At least 12 characters: a phrase of a few words is easiest to remember.</p>`;

export const signInPages: WebModule = (app, deps) => {
  const { ctx, mailer, failures } = deps;
  /** Signs the browser in as `userId`: a new session, and a new form cookie with it. */
  async function signIn(request: FastifyRequest, reply: FastifyReply, userId: string): Promise<void> {
    const token = await startSession(ctx, userId);
    setCookie(ctx, request, reply, SESSION_COOKIE, token, SESSION_MAX_MS);
    renewFormCookie(ctx, request, reply);
  }

  const signInForm = (
    request: FastifyRequest,
    reply: FastifyReply,
    state: { email?: string; next?: string; error?: string; notice?: string; firstStart: boolean },
  ): Html =>
    page({
      title: 'Sign in',
      notice: state.notice,
      body: html`<div class="panel narrow">
<h1>Sign in</h1>
${formError(state.error)}
<form method="post" action="/sign-in">
<input type="hidden" name="_csrf" value="${formCsrf(ctx, request, reply)}">
<input type="hidden" name="next" value="${state.next ?? ''}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${state.email ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<p class="actions"><button type="submit">Sign in</button> <a href="/password/forgot">Forgot your password?</a></p>
</form>
${
  state.firstStart
    ? html`<p class="hint">First start? <a href="/welcome">Create the first staff user</a> with the bootstrap token the service printed.</p>`
    : ''
}
</div>`,
    });

  app.get('/', async (request, reply) => {
    const visitor = await visitorOf(ctx, request, reply);
    throw new Redirect(visitor === undefined ? '/sign-in' : homeOf(visitor.principal.kind));
  });

  app.get('/sign-in', async (request, reply) => {
    const visitor = await visitorOf(ctx, request, reply);
    const next = queryParam(request, 'next');
    if (visitor !== undefined) throw new Redirect(localPath(next, homeOf(visitor.principal.kind)));
    const notice =
      queryParam(request, 'done') === 'password' ? 'Your password is set: sign in with it.' : undefined;
    const firstStart = !(await hasStaff(ctx.store.db));
    return sendPage(reply, signInForm(request, reply, { next: next ?? '', notice, firstStart }));
  });

  app.post('/sign-in', async (request, reply) => {
    const typed = field(request.body, 'email');
    const next = field(request.body, 'next');
    const email = normalizeEmail(typed);
    const checked = email.ok
      ? await checkPassword(ctx, email.value, secretField(request.body, 'password'))
      : email;
    if (!checked.ok) {
      if (checked.error.code === 'sign_in_failed') await failures.count(request, signInKey(typed));
      const form = signInForm(request, reply, {
        email: typed,
        next,
        error: checked.error.detail,
        firstStart: false,
      });
      return sendPage(reply, form, checked.error.code === 'sign_in_failed' ? 401 : 400);
    }
    await signIn(request, reply, checked.value.principal.userId);
    throw new Redirect(localPath(next, homeOf(checked.value.principal.kind)));
  });

  app.post('/sign-out', async (request, reply) => {
    const token = cookiesOf(request.headers).get(SESSION_COOKIE);
    if (token !== undefined) await endSession(ctx, token);
    setCookie(ctx, request, reply, SESSION_COOKIE, '', 0);
    renewFormCookie(ctx, request, reply);
    throw new Redirect('/sign-in');
  });

  const forgotForm = (
    request: FastifyRequest,
    reply: FastifyReply,
    state: { error?: string; sent?: string },
  ) =>
    page({
      title: 'Reset your password',
      body: html`<div class="panel narrow">
<h1>Reset your password</h1>
${state.sent === undefined ? '' : html`<p class="notice" role="status">${state.sent}</p>`}
${formError(state.error)}
<form method="post" action="/password/forgot">
<input type="hidden" name="_csrf" value="${formCsrf(ctx, request, reply)}">
<label for="email">Your email</label>
<input id="email" name="email" type="email" autocomplete="username" required>
<p class="actions"><button type="submit">Email me a link</button> <a href="/sign-in">Back to sign in</a></p>
</form>
</div>`,
    });

  app.get('/password/forgot', async (request, reply) => sendPage(reply, forgotForm(request, reply, {})));

  app.post('/password/forgot', async (request, reply) => {
    const email = normalizeEmail(field(request.body, 'email'));
    if (!email.ok) return sendPage(reply, forgotForm(request, reply, { error: email.error.detail }), 400);
    if (mailer === undefined)
      return sendPage(
        reply,
        forgotForm(request, reply, {
          error:
            'This service sends no email (no SMTP server is configured): ask your vendor’s staff for a link that sets your password.',
        }),
        503,
      );
    // The links are made and mailed after the answer: a known email answers as fast as an unknown one.
    const mailEach = (links: readonly PasswordLink[]) => {
      for (const link of links)
        void mailLink(deps, request, {
          to: link.email,
          subject: 'Set a new Seatkeeper password',
          text: `Someone (we hope you) asked to reset the password of ${link.email}.\n\nSet a new one here within an hour:\n${passwordLinkUrl(ctx, link.token)}\n\nIf it was not you, ignore this email: your password stays as it is.\n`,
        });
    };
    requestPasswordReset(ctx, email.value).then(mailEach, (error: unknown) =>
      request.log.error({ err: error }, 'a password reset link was not made'),
    );
    // The same answer whether or not the email is known: the form tells nobody who has an account.
    const sent = `If a user signs in as ${email.value}, an email with a link is on its way. The link works for ${LINK_LIFETIME_MS.reset / 3_600_000} hour, once.`;
    return sendPage(reply, forgotForm(request, reply, { sent }));
  });

  const setForm = (
    request: FastifyRequest,
    reply: FastifyReply,
    state: { token: string; email: string; invitation: boolean; error?: string },
  ) =>
    page({
      title: state.invitation ? 'Welcome: choose your password' : 'Choose a new password',
      body: html`<div class="panel narrow">
<h1>${state.invitation ? 'Welcome: choose your password' : 'Choose a new password'}</h1>
<p>For <strong>${state.email}</strong>.</p>
${formError(state.error)}
<form method="post" action="/password/set">
<input type="hidden" name="_csrf" value="${formCsrf(ctx, request, reply)}">
<input type="hidden" name="token" value="${state.token}">
<input type="text" name="username" autocomplete="username" value="${state.email}" hidden>
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="12" aria-describedby="password-hint">
${passwordHint}
<label for="again">The same password again</label>
<input id="again" name="again" type="password" autocomplete="new-password" required>
<p class="actions"><button type="submit">Set password and sign in</button></p>
</form>
</div>`,
    });

  const linkProblem = (failure: Failure) =>
    page({
      title: 'This link cannot be used',
      body: html`<div class="panel narrow"><h1>This link cannot be used</h1><p>${failure.detail}</p>
<p class="muted">Code <code>${failure.code}</code></p>
<p class="actions"><a class="button" href="/password/forgot">Get a new link</a></p></div>`,
    });

  app.get('/password/set', async (request, reply) => {
    const token = queryParam(request, 'token') ?? '';
    const holder = await passwordLinkHolder(ctx, token);
    if (!holder.ok) return sendPage(reply, linkProblem(holder.error), 400);
    const { email, purpose } = holder.value;
    return sendPage(reply, setForm(request, reply, { token, email, invitation: purpose === 'invitation' }));
  });

  app.post('/password/set', async (request, reply) => {
    const token = field(request.body, 'token');
    const password = secretField(request.body, 'password');
    const holder = await passwordLinkHolder(ctx, token);
    if (!holder.ok) {
      await failures.count(request, prefixKey(token));
      return sendPage(reply, linkProblem(holder.error), 400);
    }
    const state = { token, email: holder.value.email, invitation: holder.value.purpose === 'invitation' };
    if (password !== secretField(request.body, 'again'))
      return sendPage(
        reply,
        setForm(request, reply, { ...state, error: 'The two passwords differ: type the same one twice.' }),
        400,
      );
    const set = await setPasswordWithLink(ctx, token, password);
    if (!set.ok) return sendPage(reply, setForm(request, reply, { ...state, error: set.error.detail }), 400);
    await signIn(request, reply, set.value.userId);
    throw new Redirect('/');
  });

  const welcomeForm = (
    request: FastifyRequest,
    reply: FastifyReply,
    state: { email?: string; error?: string },
  ) =>
    page({
      title: 'Create the first staff user',
      body: html`<div class="panel narrow">
<h1>Create the first staff user</h1>
<p>The service printed a bootstrap token (<code>skb_…</code>) when it started. It works once, while there is no staff user.</p>
${formError(state.error)}
<form method="post" action="/welcome">
<input type="hidden" name="_csrf" value="${formCsrf(ctx, request, reply)}">
<label for="token">Bootstrap token</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<label for="email">Your email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${state.email ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="12" aria-describedby="password-hint">
${passwordHint}
<p class="actions"><button type="submit">Create and sign in</button></p>
</form>
</div>`,
    });

  app.get('/welcome', async (request, reply) => {
    if (await hasStaff(ctx.store.db)) throw new Redirect('/sign-in');
    return sendPage(reply, welcomeForm(request, reply, {}));
  });

  app.post('/welcome', async (request, reply) => {
    const token = secretField(request.body, 'token').trim();
    const typed = field(request.body, 'email');
    const email = normalizeEmail(typed);
    const password = secretField(request.body, 'password');
    const checked = email.ok ? checkNewPassword(password) : email;
    if (!email.ok || !checked.ok) {
      const error = !email.ok ? email.error.detail : !checked.ok ? checked.error.detail : undefined;
      return sendPage(
        reply,
        welcomeForm(request, reply, { email: typed, ...(error === undefined ? {} : { error }) }),
        400,
      );
    }
    const hash = await hashPassword(password);
    const staff = await redeemBootstrapToken(ctx, token, email.value, hash);
    if (!staff.ok) {
      if (staff.error.code === 'bootstrap_token_invalid') await failures.count(request, prefixKey(token));
      return sendPage(reply, welcomeForm(request, reply, { email: typed, error: staff.error.detail }), 400);
    }
    await signIn(request, reply, staff.value.userId);
    throw new Redirect('/console');
  });
};
