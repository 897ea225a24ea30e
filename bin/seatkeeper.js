#!/usr/bin/env node
// Runs the bundle `npm ci` built (dist/), which starts fast; when it is missing or older than a
// source, runs the TypeScript sources directly, so that an edit takes effect without a build step.
import { pathToFileURL } from 'node:url';
import { BUNDLE, isBundleCurrent } from '../scripts/bundle-state.mjs';

if (isBundleCurrent()) {
  await import(pathToFileURL(BUNDLE).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
