// What the browser runners share: a static server on 127.0.0.1, Debian's Chromium driven by
// playwright-core, and a page that records its console errors, page errors and every request
// that tries to leave this machine.

import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';

import { chromium } from 'playwright-core';

import { messageOf, printJson, readStdinJson } from './io.mjs';

export const CHROMIUM = process.env.FHIR_WERK_CHROMIUM || '/usr/bin/chromium';
export const TIMEOUT_MS = Number(process.env.FHIR_WERK_BROWSER_TIMEOUT_MS || 60_000);

// Without the background-networking flags Chromium keeps calling Google services, which on a
// closed network means a flood of failing connections.
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // External requests fail at once instead of waiting for a closed network (see inFreshPage).
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/**
 * Maps a URL path to a file: `mounts` maps "/" to the page and "/prefix/" to a folder; paths
 * outside the mounted folders map to null.
 */
function fileFor(mounts, pathname) {
  if (pathname === '/') {
    return mounts['/'];
  }
  for (const [prefix, folder] of Object.entries(mounts)) {
    if (prefix !== '/' && pathname.startsWith(prefix)) {
      const file = normalize(join(folder, decodeURIComponent(pathname.slice(prefix.length))));
      return file.startsWith(folder + sep) ? file : null;
    }
  }
  return null;
}

/** A static file server on 127.0.0.1 (random port); resolves to {server, origin}. */
export async function startServer(mounts) {
  const server = http.createServer(async (request, response) => {
    const file = fileFor(mounts, new URL(request.url, 'http://127.0.0.1').pathname);
    try {
      if (file === null || !(await stat(file)).isFile()) {
        throw new Error('not a file');
      }
    } catch {
      response.writeHead(404).end();
      return;
    }
    // Cacheable, so every page after the first takes the megabytes of scripts from memory.
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'max-age=3600',
    });
    createReadStream(file).pipe(response);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/**
 * Runs `work(page)` in a fresh page and returns its result with the page's problems in
 * `errors`/`warnings`: console errors, page errors, requests that leave 127.0.0.1 (a form that
 * needs the internet, e.g. a ValueSet to expand or an image, is an error here, not a silent wait
 * on a closed network) and the errors `work` reports itself. When `work` throws, the result is
 * `emptyResult` with the exception as a "runner" error. Requests are watched, not intercepted:
 * Playwright's interception would switch off the HTTP cache.
 */
export async function inFreshPage(context, origin, emptyResult, work) {
  const page = await context.newPage();
  const errors = [];
  const warnings = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      errors.push({ source: 'console', message: msg.text() });
    } else if (msg.type() === 'warning') {
      warnings.push({ source: 'console', message: msg.text() });
    }
  });
  page.on('pageerror', (error) => errors.push({ source: 'pageerror', message: error.message }));
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('data:')) {
      errors.push({ source: 'network', message: `verzoek buiten de testpagina: ${url}` });
    }
  });
  try {
    await page.goto(`${origin}/`, { timeout: TIMEOUT_MS });
    const result = await work(page);
    // Page errors raised by the last evaluate arrive as events; give them one turn to land.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
    return { ...result, errors: [...errors, ...(result.errors ?? [])], warnings };
  } catch (error) {
    errors.push({ source: 'runner', message: messageOf(error) });
    return { ...emptyResult, errors, warnings };
  } finally {
    await page.close();
  }
}

/**
 * Serves `mounts` on 127.0.0.1, starts Chromium once with a fresh profile and awaits
 * `work(context, origin)`; closes both and removes the profile afterwards.
 */
export async function withBrowser(mounts, work) {
  const { server, origin } = await startServer(mounts);
  const profile = await mkdtemp(join(tmpdir(), `fhir-werk-browser-${randomUUID().slice(0, 8)}-`));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      timeout: TIMEOUT_MS,
    });
    return await work(context, origin);
  } finally {
    await context?.close();
    server.close();
    await rm(profile, { recursive: true, force: true });
  }
}

/**
 * Reads stdin (one input or an array), checks each with `check(input, index)`, serves `mounts`,
 * starts Chromium once with a fresh profile and awaits `runOne(context, origin, input)` for each
 * input in turn; prints the results in the shape of the input (object or array).
 */
export async function runBatch({ mounts, check, runOne }) {
  const input = await readStdinJson();
  const inputs = Array.isArray(input) ? input : [input];
  inputs.forEach(check);
  const results = await withBrowser(mounts, async (context, origin) => {
    const results = [];
    for (const one of inputs) {
      results.push(await runOne(context, origin, one));
    }
    return results;
  });
  printJson(Array.isArray(input) ? results : results[0]);
}
