// Shared stdin/stdout plumbing of the JS test tools: JSON in, JSON out, errors on stderr.

import { readFile } from 'node:fs/promises';

/** Parses all of stdin as JSON. */
export async function readStdinJson() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) {
    throw new Error('geen JSON op stdin');
  }
  return JSON.parse(text);
}

/** Parses one JSON file. */
export async function readJsonFile(path) {
  return JSON.parse(await readFile(path, 'utf8'));
}

/** Writes one JSON value as a single line on stdout. */
export function printJson(value) {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Message of anything thrown, for a JSON report (Error objects do not serialise). */
export function messageOf(error) {
  if (error instanceof Error) {
    return error.message;
  }
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/**
 * Runs an async main: a failure of the tool itself (not of the form or response it checks) is
 * one line on stderr and exit code 2, so the Python wrapper can tell the two apart.
 */
export function run(main) {
  // Libraries that log to stdout would corrupt the JSON answer: their logs go to stderr.
  console.log = console.info = console.debug = console.warn = console.error;
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : messageOf(error)}\n`);
    process.exitCode = 2;
  });
}
