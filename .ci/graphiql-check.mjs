// Drives the GraphiQL page of a running server in headless Chromium over
// the DevTools protocol, as a user would: pastes a token in the Headers
// editor, runs a query, opens the settings dialog. Fails unless GraphiQL
// rendered, the query ran with the token, neither the token nor the query
// reached the browser's storage, and the browser logged no CSP violation, no uncaught
// exception and no error (but the favicon's 404).
// Usage: node --experimental-websocket .ci/graphiql-check.mjs BASE_URL TOKEN
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, token] = process.argv.slice(2);
if (!base || !token) {
  console.error('usage: graphiql-check.mjs BASE_URL TOKEN');
  process.exit(2);
}
const port = 20000 + Math.floor(Math.random() * 10000);
const profile = mkdtempSync(join(tmpdir(), 'graphiql-check-'));
const chrome = spawn('chromium', ['--headless', '--no-sandbox', '--disable-gpu',
  '--disable-background-networking', `--remote-debugging-port=${port}`,
  `--user-data-dir=${profile}`, 'about:blank'], { stdio: 'ignore' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const problems = [];
let socket;
try {
  let targets;
  for (let i = 0; i < 100 && !targets; i++) {
    try { targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json(); } catch { await sleep(200); }
  }
  const page = targets?.find((t) => t.type === 'page');
  if (!page) throw new Error('chromium did not start');
  socket = new WebSocket(page.webSocketDebuggerUrl);
  await new Promise((r, e) => { socket.addEventListener('open', r); socket.addEventListener('error', e); });
  let id = 0;
  const pending = new Map();
  const logs = [];
  socket.addEventListener('message', (event) => {
    const m = JSON.parse(event.data);
    if (m.id && pending.has(m.id)) { pending.get(m.id)(m); pending.delete(m.id); }
    if (m.method === 'Log.entryAdded') logs.push(m.params.entry);
    if (m.method === 'Runtime.exceptionThrown') {
      const d = m.params.exceptionDetails;
      logs.push({ level: 'error', text: `uncaught: ${d.exception?.description ?? d.text}` });
    }
  });
  const send = (method, params = {}) => new Promise((r) => {
    const i = ++id; pending.set(i, r); socket.send(JSON.stringify({ id: i, method, params }));
  });
  const evaluate = async (expression) =>
    (await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true })).result?.result?.value;
  const until = async (expression, what) => {
    for (let i = 0; i < 100; i++) { if (await evaluate(expression)) return; await sleep(100); }
    problems.push(`timed out waiting for ${what}`);
  };

  await send('Log.enable'); await send('Runtime.enable'); await send('Page.enable');
  await send('Page.navigate', { url: `${base}/graphql` });
  await until(`!!document.querySelector('.graphiql-query-editor .CodeMirror')`, 'GraphiQL to render');
  const headers = JSON.stringify({ Authorization: `Bearer ${token}` });
  const set = await evaluate(`(() => {
    const headers = document.querySelector('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
    if (!headers) return false;
    headers.CodeMirror.setValue(${JSON.stringify(headers)});
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('query Check { facilities { totalCount } }');
    return true;
  })()`);
  if (!set) problems.push('no visible Headers editor');
  await sleep(300);
  await evaluate(`document.querySelector('.graphiql-execute-button').click()`);
  await until(`(document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() ?? '').includes('totalCount')`,
    'the query to answer with the token');
  await evaluate(`document.querySelector('[aria-label="Open settings dialog"]')?.click()`);
  await until(`!!document.querySelector('[role="dialog"]')`, 'the settings dialog');
  await sleep(300);
  for (const [what, text] of [['token', token], ['query', 'query Check']]) {
    if (await evaluate(`Object.values(localStorage).some((v) => v.includes(${JSON.stringify(text)}))`)) {
      problems.push(`the ${what} was stored in localStorage`);
    }
  }
  for (const entry of logs) {
    const favicon = (entry.url ?? '').endsWith('/favicon.ico');
    if ((entry.level === 'error' && !favicon) || /Content Security Policy/i.test(entry.text)) {
      problems.push(`browser: ${entry.text}`);
    }
  }
} catch (e) {
  problems.push(String(e));
} finally {
  socket?.close();
  const exited = new Promise((r) => chrome.once('exit', r));
  chrome.kill();
  await exited;
  try { rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }); } catch { /* a temporary directory */ }
}
if (problems.length) {
  console.log(`GraphiQL check failed:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('GraphiQL rendered in Chromium, ran a query with a pasted token (nothing stored), opened a dialog; no CSP violation, no error');
