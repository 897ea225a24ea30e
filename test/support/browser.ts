import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium; playwright-core's version is pinned to the one whose protocol it speaks. */
export const CHROMIUM = process.env.SEATKEEPER_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. CI installs Chromium and requires it. */
export function browserMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`;
  if (process.env.SEATKEEPER_REQUIRE_BROWSER === '1')
    throw new Error(`browser tests are required: ${reason}`);
  console.warn(`skipping browser tests: ${reason}`);
  return reason;
}

/**
 * Where screenshots go: docs/screenshots when asked (`npm run screenshots`), else a temporary
 * folder, so that a test run leaves the checkout as it was.
 */
export const SCREENSHOTS =
  process.env.SEATKEEPER_SCREENSHOTS === '1'
    ? resolve('docs/screenshots')
    : join(tmpdir(), 'seatkeeper-screenshots');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root in a container there is no user namespace for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** A new browser profile: its own cookies, a desktop-sized window. */
export const newProfile = (
  browser: Browser,
  options: { javaScript?: boolean } = {},
): Promise<BrowserContext> =>
  browser.newContext({
    viewport: { width: 1280, height: 860 },
    javaScriptEnabled: options.javaScript ?? true,
  });

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * axe-core's serious and critical findings on the page as it is now. The script is evaluated
 * through the browser's debugging protocol, which the page's Content-Security-Policy does not
 * govern; the page itself still runs no script of its own.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  // Written as page-side source: this project's TypeScript knows Node, not the DOM.
  const found = (await page.evaluate('axe.run(document)')) as {
    violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
  };
  return found.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.flatMap((node) => node.target),
    }));
}

/** Saves the page as <name>.png, whole, for the README (see SCREENSHOTS). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** What the focused element is, as a person would name it: its tag, its label or text. */
interface Focused {
  tag: string;
  name: string;
  value: string;
  text: string;
}

const focused = (page: Page): Promise<Focused | undefined> =>
  page.evaluate(`(() => {
    const element = document.activeElement;
    if (element === null || element === document.body) return undefined;
    const label = element.labels && element.labels.length > 0 ? element.labels[0].textContent : null;
    return {
      tag: element.tagName.toLowerCase(),
      name: element.getAttribute('name') ?? '',
      value: element.value ?? '',
      text: [element.getAttribute('aria-label'), label, element.textContent]
        .filter((part) => typeof part === 'string')
        .join(' ')
        .replace(/\\s+/g, ' ')
        .trim(),
    };
  })()`);

export type Target = { text: string } | { name: string; value?: string };

function matches(element: Focused, target: Target): boolean {
  if ('text' in target) return element.text.includes(target.text);
  return element.name === target.name && (target.value === undefined || element.value === target.value);
}

/**
 * Moves the focus with the Tab key, as a keyboard user would, to the first element after the
 * current one that matches: by its label or text, or by its form field name (and value).
 * Fails when a whole round of the page's focusable elements passes without it.
 */
export async function tabTo(page: Page, target: Target): Promise<void> {
  const seen: string[] = [];
  for (let step = 0; step < 400; step++) {
    await page.keyboard.press('Tab');
    const element = await focused(page);
    if (element !== undefined && matches(element, target)) return;
    seen.push(
      element === undefined ? '(page)' : `${element.tag}[${element.name}] ${element.text.slice(0, 40)}`,
    );
  }
  throw new Error(
    `no focusable element ${JSON.stringify(target)} by Tab; passed: ${seen.slice(0, 60).join(' | ')}`,
  );
}

/** Tabs to a link or button and presses Enter; waits for the page it loads. */
export async function press(page: Page, target: Target): Promise<void> {
  await tabTo(page, target);
  await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
}

/** Tabs to a field and types into it. */
export async function typeInto(page: Page, target: Target, text: string): Promise<void> {
  await tabTo(page, target);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
}

/** Tabs to a checkbox or radio button and ticks it with the space bar. */
export async function tick(page: Page, target: Target): Promise<void> {
  await tabTo(page, target);
  await page.keyboard.press('Space');
}

/** Starts the keyboard at the top of the page, as a fresh page load does. */
export async function fromTop(page: Page): Promise<void> {
  await page.evaluate('document.activeElement?.blur(); window.scrollTo(0, 0)');
}
