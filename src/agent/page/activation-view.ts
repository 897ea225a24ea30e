import { readableInstant, shownKey } from '../../domain/key-status.js';
import { plural } from '../../domain/text.js';
import { formError, htmlDocument } from '../../html/document.js';
import { csrfInput } from '../../html/forms.js';
import { type Fragment, type Html, html } from '../../html/html.js';
import type { LicenseReport, SubscriptionReport, Usage } from '../agent.js';

/** The forms of the page, each with its own place for a refusal. */
export type PageForm = 'activate' | 'replace' | 'subscribe';

export interface PageRefusal {
  form: PageForm;
  message: string;
  /** The replace form: which key's replacement was refused. */
  licenseId?: string;
  /** What was typed, given back to correct rather than type again. */
  typed?: string;
  typedService?: string;
}

export interface ActivationPageParts {
  usage: Usage;
  /** Stored license files the agent could not read. */
  unreadable: readonly { file: string; reason: string }[];
  /** The license service the agent knows; without one the activation asks for it. */
  serviceUrl: string | undefined;
  csrf: string;
  /** A password is asked: the header offers to sign out. */
  signOut: boolean;
  notice?: string | undefined;
  refusal?: PageRefusal | undefined;
}

/** The agent's pages: its brand, where the administrator is, and the way out when signed in. */
export function agentDocument(parts: {
  title: string;
  csrf: string;
  signOut: boolean;
  /** Where the page is: on Activation itself, elsewhere (an error), or before signing in (no way on). */
  at: 'activation' | 'elsewhere' | 'sign-in';
  notice?: string | undefined;
  body: Fragment;
}): Html {
  return htmlDocument({
    title: parts.title,
    notice: parts.notice,
    body: parts.body,
    header: html`<span class="brand">Seatkeeper agent</span>
${
  parts.at === 'sign-in'
    ? ''
    : html`<nav aria-label="Main"><ul><li>Configuration</li><li><a href="/"${parts.at === 'activation' ? html` aria-current="page"` : ''}>Activation</a></li></ul></nav>`
}
${
  parts.signOut
    ? html`<form class="who" method="post" action="/sign-out">${csrfInput(parts.csrf)}<button type="submit" class="link">Sign out</button></form>`
    : ''
}`,
  });
}

const badge = (text: string, tone: 'ok' | 'bad' | 'warn'): Html =>
  html`<span class="badge ${tone}">${text}</span>`;

const day = (instant: string | null): string => (instant === null ? '—' : instant.slice(0, 10));

/** Why a key does not count (the agent's own reason), or the key that replaces it. */
function keyNote(license: LicenseReport): Fragment {
  if (license.reason !== null) return license.reason;
  const next = license.replacedBy;
  if (next === null) return '';
  const stops = next.stopsAt === null ? '' : `, stops at ${readableInstant(next.stopsAt)}`;
  return `replaced by ${shownKey(next.keyHint)}${stops}`;
}

function keyRow(license: LicenseReport): Html {
  const counting = license.status === 'counting';
  return html`<tr>
<td><code class="key">${shownKey(license.keyHint)}</code><div class="hint">${license.licenseId}</div></td>
<td>${counting ? badge('active', license.replacedBy === null ? 'ok' : 'warn') : badge('not counting', 'bad')}</td>
<td class="number">${license.seats}</td>
<td>${day(license.ends)}</td>
<td>${license.certificateExpiresAt === null ? '—' : readableInstant(license.certificateExpiresAt)}</td>
<td>${keyNote(license)}</td>
</tr>`;
}

function keysTable(licenses: readonly LicenseReport[]): Html {
  if (licenses.length === 0)
    return html`<p class="panel muted">No license key is activated on this server yet.</p>`;
  const counting = licenses.filter((license) => license.status === 'counting').length;
  return html`<table>
<caption>${plural(licenses.length, 'key')} on this server, ${counting} counting</caption>
<thead><tr><th scope="col">License key</th><th scope="col">Status</th><th scope="col" class="number">Connections</th><th scope="col">Term ends</th><th scope="col">Certificate until</th><th scope="col">Why</th></tr></thead>
<tbody>${licenses.map(keyRow)}</tbody>
</table>`;
}

function tunnelsTable(usage: Usage): Html {
  if (usage.tunnels.length === 0)
    return html`<p class="panel muted">No tunnels are connected through this agent.</p>`;
  return html`<table>
<caption>${plural(usage.tunnels.length, 'tunnel')} connected now</caption>
<thead><tr><th scope="col">Tunnel</th><th scope="col">User</th><th scope="col">Address</th><th scope="col">Connected since</th></tr></thead>
<tbody>${usage.tunnels.map(
    (tunnel) =>
      html`<tr><td><code>${tunnel.id}</code></td><td>${tunnel.user ?? '—'}</td><td>${tunnel.address ?? '—'}</td><td>${readableInstant(tunnel.connectedAt, 'seconds')}</td></tr>`,
  )}</tbody>
</table>`;
}

function poolFacts(sub: SubscriptionReport): Html {
  const inUse =
    sub.mode === 'lease'
      ? `${sub.poolUsed ?? '?'} of ${sub.connections} leased across the pool; ${sub.lease ?? 0} leased to this server`
      : `${sub.poolUsed ?? '?'} of ${sub.connections} in use across the pool`;
  return html`<dl class="facts">
<dt>Subscription</dt><dd><code>${sub.subscriptionId}</code> (${sub.mode})</dd>
<dt>Status</dt><dd>${
    sub.counting
      ? badge('counting', 'ok')
      : html`${badge('not counting', 'bad')} no answer within its grace or lease: fixed keys and built-in connections apply`
  }</dd>
<dt>Connections</dt><dd>${inUse}</dd>
<dt>Last sync</dt><dd>${sub.lastAnswerAt === null ? 'no answer from the pool yet' : readableInstant(sub.lastAnswerAt, 'seconds')}</dd>
<dt>Heartbeat</dt><dd>every ${Math.round(sub.heartbeatIntervalMs / 1000)} s${sub.countingUntil === null ? '' : `; counts here until ${readableInstant(sub.countingUntil, 'seconds')} unless answered before`}</dd>
</dl>`;
}

const refusalFor = (refusal: PageRefusal | undefined, form: PageForm, licenseId?: string) =>
  refusal?.form === form && refusal.licenseId === licenseId ? refusal : undefined;

const serviceField = (serviceUrl: string | undefined, id: string, typed: string | undefined): Fragment =>
  serviceUrl !== undefined
    ? ''
    : html`<label for="${id}">License service URL</label>
<input id="${id}" name="service" type="text" inputmode="url" autocomplete="url" required value="${typed ?? ''}">
<p class="hint">Asked once: the agent remembers it after the first activation.</p>`;

function activateForm(parts: ActivationPageParts): Html {
  const refused = refusalFor(parts.refusal, 'activate');
  return html`<section aria-labelledby="activate-title">
<h2 id="activate-title">Activate a license key</h2>
<div class="panel">
${formError(refused?.message)}
<form method="post" action="/activate">
${csrfInput(parts.csrf)}
<label for="key">Enter Activation Key</label>
<input id="key" name="key" type="text" autocomplete="off" spellcheck="false" required value="${refused?.typed ?? ''}" aria-describedby="key-hint">
<p class="hint" id="key-hint">Twenty characters in five groups of four, as the key list shows it. Activated keys aggregate to the total.</p>
${serviceField(parts.serviceUrl, 'activate-service', refused?.typedService)}
<label class="choice"><input type="checkbox" name="failover" value="yes"> This is an integrated failover (standby) server, and the key its failover key</label>
<p class="actions"><button type="submit">Activate</button></p>
</form>
</div>
</section>`;
}

/** A key the license service replaced: its replacement is entered here and activated in its place. */
function replaceForms(parts: ActivationPageParts): Html {
  const replaced = parts.usage.licenses.filter(
    (license) =>
      license.replacedBy !== null &&
      !parts.usage.licenses.some((other) => other.licenseId === license.replacedBy?.licenseId),
  );
  if (replaced.length === 0) return html``;
  return html`<section aria-labelledby="replace-title">
<h2 id="replace-title">Replace a key</h2>
<div class="panel">
<p>The license service replaced ${replaced.length === 1 ? 'this key' : 'these keys'}: enter the new key for the old one. The old key stops counting when its week of overlap ends.</p>
${replaced.map((license) => {
  const refused = refusalFor(parts.refusal, 'replace', license.licenseId);
  const next = license.replacedBy as NonNullable<LicenseReport['replacedBy']>;
  const id = `replace-${license.licenseId}`;
  return html`<form method="post" action="/replace">
${csrfInput(parts.csrf)}
<input type="hidden" name="old" value="${license.licenseId}">
${formError(refused?.message)}
<label for="${id}">Enter the new key for ${shownKey(license.keyHint)} (it ends in ${next.keyHint})</label>
<input id="${id}" name="key" type="text" autocomplete="off" spellcheck="false" required value="${refused?.typed ?? ''}">
<p class="actions"><button type="submit">Replace ${shownKey(license.keyHint)}</button></p>
</form>`;
})}
</div>
</section>`;
}

function subscribeForm(parts: ActivationPageParts): Html {
  const refused = refusalFor(parts.refusal, 'subscribe');
  const sub = parts.usage.subscription;
  return html`<section aria-labelledby="pool-title">
<h2 id="pool-title">Subscription</h2>
<div class="panel">
${sub === null ? html`<p>This server is in no subscription pool. A subscription is shared by every server that activates it.</p>` : poolFacts(sub)}
${formError(refused?.message)}
<form method="post" action="/subscribe">
${csrfInput(parts.csrf)}
<label for="subscription-key">Enter Subscription Key</label>
<input id="subscription-key" name="key" type="text" autocomplete="off" spellcheck="false" required value="${refused?.typed ?? ''}" aria-describedby="subscription-hint">
<p class="hint" id="subscription-hint">The key begins with <code>sks_</code>; this server joins the subscription’s pool.</p>
${serviceField(parts.serviceUrl, 'subscribe-service', refused?.typedService)}
<p class="actions"><button type="submit">${sub === null ? 'Subscribe' : 'Change subscription'}</button></p>
</form>
</div>
</section>`;
}

function usageSummary(usage: Usage, unreadable: ActivationPageParts['unreadable']): Html {
  const subscriptionCounts = usage.subscription?.counting === true;
  const builtIn = !subscriptionCounts && !usage.licenses.some((license) => license.status === 'counting');
  return html`<section aria-labelledby="usage-title">
<h2 id="usage-title">Current usage</h2>
<div class="panel">
<p class="figure" aria-describedby="usage-words">[${usage.connected}, ${usage.licensed}]</p>
<p id="usage-words">${usage.connected} of ${plural(usage.licensed, 'licensed connection')} in use on server <code>${usage.serverId}</code>.</p>
${builtIn ? html`<p>No purchased key is active: the 2 built-in connections apply.</p>` : ''}
${unreadable.map(({ file, reason }) => html`<p class="error">Cannot read license file <code>${file}</code>: ${reason}</p>`)}
${usage.simulatedMachine === null ? '' : html`<p class="hint">Simulated machine: properties from ${usage.simulatedMachine}, not this machine’s own.</p>`}
</div>
</section>`;
}

/** Configuration > Activation: the usage, the keys and the pool, and the forms that change them. */
export function activationPage(parts: ActivationPageParts): Html {
  const { usage } = parts;
  return agentDocument({
    title: 'Activation',
    at: 'activation',
    csrf: parts.csrf,
    signOut: parts.signOut,
    notice: parts.notice,
    body: html`<h1>Activation</h1>
${usageSummary(usage, parts.unreadable)}
${activateForm(parts)}
${replaceForms(parts)}
<h2>License keys</h2>
${keysTable(usage.licenses)}
${subscribeForm(parts)}
<h2>Tunnels</h2>
${tunnelsTable(usage)}`,
  });
}

/** The sign-in the page asks for when it has a password. */
export function signInPage(parts: { csrf: string; error?: string | undefined }): Html {
  return agentDocument({
    title: 'Sign in',
    at: 'sign-in',
    csrf: parts.csrf,
    signOut: false,
    body: html`<div class="panel narrow">
<h1>Sign in</h1>
<p>This server’s license page asks for its admin password.</p>
${formError(parts.error)}
<form method="post" action="/sign-in">
${csrfInput(parts.csrf)}
<input type="text" name="username" autocomplete="username" value="admin" hidden>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<p class="actions"><button type="submit">Sign in</button></p>
</form>
</div>`,
  });
}

/** A refusal of the page itself (a foreign host, an expired form): what went wrong and a way on. */
export function problemDocument(parts: { title: string; detail: string; csrf: string }): Html {
  return agentDocument({
    title: parts.title,
    at: 'elsewhere',
    csrf: parts.csrf,
    signOut: false,
    body: html`<div class="panel narrow"><h1>${parts.title}</h1><p>${parts.detail}</p>
<p class="actions"><a class="button" href="/">Go to the license page</a></p></div>`,
  });
}
