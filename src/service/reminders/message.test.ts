import { describe, expect, it } from 'vitest';
import {
  gatewayLicenseEndingMail,
  keysEndingMail,
  QUOTED_MAX,
  type RemindedGatewayLicense,
  type RemindedKey,
  subscriptionEndingMail,
} from './message.js';

const facts = {
  accountEmail: 'admin@customer.example',
  ends: new Date('2027-11-23T12:00:00Z'),
  daysLeft: 30,
};
const key = (overrides: Partial<RemindedKey> = {}): RemindedKey => ({
  keyHint: 'AB12',
  connections: 10,
  orderNumber: 'SO-7K2MQX9D',
  legacy: false,
  hostname: 'vpn1.example.net',
  ...overrides,
});

describe('the words of an expiry reminder', () => {
  it('names the key by its last group and order, and says what the end does to it', () => {
    const mail = keysEndingMail(facts, [key()]);
    expect(mail.subject).toBe('Your license key ends in 30 days, on 2027-11-23');
    expect(mail.text).toContain(
      '  key ending AB12, 10 connections, order SO-7K2MQX9D, activated on the server named "vpn1.example.net"',
    );
    expect(mail.text).toContain('the key stops counting connections on its server until renewed');
    expect(mail.text).not.toContain('legacy');
  });

  it('does not tell a legacy key that it stops: it only can no longer be replaced', () => {
    const mail = keysEndingMail(facts, [key({ legacy: true, hostname: null })]);
    expect(mail.text).toContain('not activated, legacy terms');
    expect(mail.text).not.toContain('stops counting');
    expect(mail.text).toContain('A key on legacy terms goes on working on the server it was activated on');
  });

  it('tells keys on both terms apart in one email', () => {
    const mail = keysEndingMail({ ...facts, daysLeft: 1 }, [
      key(),
      key({ legacy: true }),
      key({ legacy: true }),
    ]);
    expect(mail.subject).toBe('3 license keys end in 1 day, on 2027-11-23');
    expect(mail.text).toContain('the keys on current terms stop counting connections on their servers');
    expect(mail.text).toContain('Keys on legacy terms go on working on the servers they were activated on');
  });

  it('quotes a host name on one line, bounded and without a working link, so it cannot pass for the vendor’s words', () => {
    const hostname = `vpn1\n\nACTION REQUIRED: pay at http://pay.evil.example/ "now"\u202e\r\n${'x'.repeat(200)}`;
    const plain = keysEndingMail(facts, [key()]);
    const injected = keysEndingMail(facts, [key({ hostname })]);
    expect(injected.text.split('\n')).toHaveLength(plain.text.split('\n').length);
    const line = injected.text.split('\n').find((text) => text.startsWith('  key ending')) ?? '';
    expect(line).toContain(
      'activated on the server named "vpn1 ACTION REQUIRED: pay at http[:]//pay.evil.example/',
    );
    expect(line).toMatch(/…"$/);
    const shown = /named "(.*)"$/.exec(line)?.[1] ?? '';
    expect([...shown]).toHaveLength(QUOTED_MAX);
    expect(injected.text).not.toMatch(/^ACTION REQUIRED/m);
    expect(injected.text).not.toContain('http://');
    expect(injected.text).not.toContain('\u202e');
    expect(line).toContain("'now' x");
  });

  it('tells a subscription that it does not renew by itself', () => {
    const mail = subscriptionEndingMail(
      { ...facts, daysLeft: 3 },
      { keyHint: 'ZZ99', connections: 40, period: 'monthly' },
    );
    expect(mail.subject).toBe('Your subscription ends in 3 days, on 2027-11-23');
    expect(mail.text).toContain(
      'The monthly subscription ending ZZ99 (40 connections) on the account admin@customer.example does not renew automatically',
    );
  });
});

describe('the words of a gateway license notice', () => {
  const license = (overrides: Partial<RemindedGatewayLicense> = {}): RemindedGatewayLicense => ({
    sku: 'SPC-1YR-LIC',
    modelName: 'SecuPoint VPN Client, 1 year',
    kind: 'secupoint',
    users: 20,
    keyHint: 'CD34',
    organization: 'Acme',
    device: { name: 'Branch office', serialNumber: 'ESG510-0001', model: 'ESG510' },
    sharedWith: 0,
    ...overrides,
  });

  it('names the model, the organization and the gateway, and what the end takes away', () => {
    const mail = gatewayLicenseEndingMail(facts, license());
    expect(mail.subject).toBe('Your gateway license SPC-1YR-LIC expires in 30 days, on 2027-11-23');
    expect(mail.text).toContain(
      '  license SPC-1YR-LIC (SecuPoint VPN Client, 1 year, 20 VPN users), from the key ending CD34\n  in the organization "Acme"\n  associated with the gateway "Branch office", serial number "ESG510-0001", model "ESG510"',
    );
    expect(mail.text).toContain('no longer counts its 20 SecuPoint VPN users: it keeps its 2 built-in users');
    expect(mail.text).not.toContain('shared');
    expect(gatewayLicenseEndingMail(facts, license({ sharedWith: 1 })).text).toContain(
      'The gateway it is shared with loses its share of them too.',
    );
  });

  it('quotes names the customer chose, so that they cannot pass for the vendor’s words', () => {
    const mail = gatewayLicenseEndingMail(
      facts,
      license({
        organization: 'Renew now at https://evil.example',
        device: { name: 'gw\nPay here', serialNumber: 'ESG-1', model: 'ESG510' },
      }),
    );
    expect(mail.text).toContain('in the organization "Renew now at https[:]//evil.example"');
    expect(mail.text).toContain('associated with the gateway "gw Pay here"');
  });
});
