#!/usr/bin/env node
// GraphQL-over-HTTP conformance audit for Redress (CI gate).
//
// Usage:
//   node audit.mjs http://127.0.0.1:PORT/graphql
//
// Environment:
//   AUDIT_AUTHORIZATION  optional; sent verbatim as the `Authorization` header
//                        on every audit request (e.g. "Bearer <token>").
//   AUDIT_WAIT_SECONDS   optional; keep retrying the initial connection for up
//                        to this many seconds (default 0 = single attempt).
//
// Runs `auditServer` from the `graphql-http` package, prints one line per
// audit result and a final line `audit: N passed, M failed`.
//   N = audits with status "ok"
//   M = audits with status "warn" (SHOULD) or "error" (MUST)
// Audits with status "notice" (MAY-level) are printed but never fail the run.
//
// Exit codes: 0 = no warn/error, 1 = at least one warn/error,
//             2 = usage error, server unreachable, fatal error or timeout.
// See AUDIT_NOTES.md for what every audit sends and expects.

import { auditServer } from 'graphql-http';

const OVERALL_TIMEOUT_MS = 60_000;
const BODY_PREVIEW_CHARS = 500;

function fatal(message) {
  console.error(`audit: FATAL: ${message}`);
  process.exit(2);
}

function describeError(err) {
  if (!err) return String(err);
  const parts = [];
  let cur = err;
  // fetch() in Node wraps the real cause (ECONNREFUSED, ENOTFOUND, ...) in err.cause
  for (let depth = 0; cur && depth < 5; depth++) {
    const code = cur.code ? ` [${cur.code}]` : '';
    parts.push(`${cur.name || 'Error'}: ${cur.message ?? String(cur)}${code}`);
    cur = cur.cause;
  }
  return parts.join(' <- ');
}

// ---------------------------------------------------------------- arguments
const rawUrl = process.argv[2];
if (!rawUrl || rawUrl === '-h' || rawUrl === '--help') {
  console.error(
    'usage: node audit.mjs http://127.0.0.1:PORT/graphql\n' +
      '  env AUDIT_AUTHORIZATION  optional Authorization header value\n' +
      '  env AUDIT_WAIT_SECONDS   optional seconds to wait for the server to accept connections',
  );
  process.exit(2);
}
let url;
try {
  url = new URL(rawUrl);
} catch {
  fatal(`invalid URL: ${JSON.stringify(rawUrl)}`);
}
if (url.protocol !== 'http:' && url.protocol !== 'https:') {
  fatal(`URL must be http(s), got ${JSON.stringify(rawUrl)}`);
}
url = url.toString();

const authorization = process.env.AUDIT_AUTHORIZATION || '';
const waitSeconds = Number(process.env.AUDIT_WAIT_SECONDS || 0);
if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
  fatal(`AUDIT_WAIT_SECONDS must be a non-negative number`);
}

// ---------------------------------------------------------- overall timeout
const deadline = new AbortController();
const timer = setTimeout(() => {
  deadline.abort(new Error(`timed out after ${OVERALL_TIMEOUT_MS / 1000}s`));
  fatal(`audit did not finish within ${OVERALL_TIMEOUT_MS / 1000}s (server hung or too slow?) url=${url}`);
}, OVERALL_TIMEOUT_MS);
timer.unref();

// ------------------------------------------------------------------- fetch
function auditFetch(input, init = {}) {
  const headers = new Headers(init.headers);
  if (authorization) headers.set('authorization', authorization);
  const signal = init.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
  return fetch(input, { ...init, headers, signal });
}

// ------------------------------------------------- reachability pre-flight
async function preflight() {
  const until = Date.now() + waitSeconds * 1000;
  for (;;) {
    try {
      const res = await auditFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      await res.arrayBuffer().catch(() => {});
      return res;
    } catch (err) {
      if (deadline.signal.aborted) throw err;
      if (Date.now() >= until) {
        fatal(
          `server unreachable at ${url}: ${describeError(err)}\n` +
            '       Is the server started and listening on that host/port? ' +
            '(set AUDIT_WAIT_SECONDS to wait for startup)',
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

// ------------------------------------------------------------------ output
async function responseDetails(res) {
  if (!res) return 'response=<none>';
  const ct = res.headers.get('content-type');
  let body;
  if (res.bodyUsed) {
    body = '<body already consumed by the audit>';
  } else {
    try {
      const text = await res.text();
      body =
        text.length > BODY_PREVIEW_CHARS
          ? JSON.stringify(text.slice(0, BODY_PREVIEW_CHARS)) + `...(${text.length} chars)`
          : JSON.stringify(text);
    } catch (err) {
      body = `<unreadable: ${describeError(err)}>`;
    }
  }
  return `status=${res.status} content-type=${ct === null ? '<none>' : JSON.stringify(ct)} body=${body}`;
}

// -------------------------------------------------------------------- main
async function main() {
  const pre = await preflight();
  if (authorization && (pre.status === 401 || pre.status === 403)) {
    console.error(`audit: note: pre-flight request got HTTP ${pre.status} although AUDIT_AUTHORIZATION is set`);
  } else if (!authorization && (pre.status === 401 || pre.status === 403)) {
    console.error(`audit: note: pre-flight request got HTTP ${pre.status}; set AUDIT_AUTHORIZATION if the endpoint needs auth`);
  }

  let results;
  try {
    results = await auditServer({ url, fetchFn: auditFetch });
  } catch (err) {
    // auditServer only throws on non-assertion failures (network errors, aborted requests, ...)
    fatal(`audit aborted by a fatal error (server crashed or dropped a connection?): ${describeError(err)}`);
  }

  const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
  for (const r of results) {
    counts[r.status] = (counts[r.status] ?? 0) + 1;
    let line = `${r.status.padEnd(6)} ${r.id} ${r.name}`;
    if (r.status !== 'ok') {
      line += ` | reason: ${r.reason} | ${await responseDetails(r.response)}`;
    }
    console.log(line);
  }

  const failed = counts.warn + counts.error;
  console.log(
    `audit: ${results.length} audits: ${counts.ok} ok, ${counts.notice} notice (MAY, not failing), ` +
      `${counts.warn} warn (SHOULD), ${counts.error} error (MUST)`,
  );
  console.log(`audit: ${counts.ok} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((err) => fatal(describeError(err)));
