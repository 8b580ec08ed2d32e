// Server time of the administrator's and the staff queue's pages with the demo data: starts
// `minwon serve --demo` (MINWON_BIN), signs in, requests each page sequentially over loopback and
// prints the median and 95th percentile. Not a test (no `.test.` in the name); run by hand:
//   MINWON_BIN=target/release/minwon node tests/browser/page-times.mjs [ROUNDS]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, DEMO_PASSWORD } from './harness.mjs';

const rounds = Number(process.argv[2] || 30);

function cookieOf(res, name) {
  const all = res.headers.getSetCookie();
  const c = all.find((v) => v.startsWith(`${name}=`));
  return c ? c.split(';')[0] : '';
}

async function signIn(url, username) {
  const csrf = cookieOf(await fetch(`${url}/login`), 'minwon_csrf');
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: csrf, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password: DEMO_PASSWORD, csrf_token: csrf.split('=')[1] }),
  });
  return cookieOf(res, 'minwon_session');
}

async function time(url, path, cookie) {
  const ms = [];
  for (let i = 0; i < rounds + 3; i++) {
    const t = performance.now();
    const res = await fetch(`${url}${path}`, { headers: { cookie }, redirect: 'manual' });
    await res.text();
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    if (i >= 3) ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(1);
  return `| \`${path}\` | ${at(0.5)} ms | ${at(0.95)} ms |`;
}

// Sequential requests from one address would meet the rate limit; switch it off.
const config = join(mkdtempSync(join(tmpdir(), 'minwon-times-')), 'minwon.toml');
writeFileSync(config, 'rate_per_minute = 0\n');
process.env.MINWON_CONFIG = config;
const server = await startServer();
try {
  const admin = await signIn(server.url, 'admin');
  const sup = await signIn(server.url, 'sup.civil');
  const official = await signIn(server.url, 'official.desk');
  console.log('| page | median | p95 |\n|---|---|---|');
  for (const path of ['/admin', '/admin/departments/new', '/admin/departments/2', '/admin/accounts/new',
    '/admin/accounts/2', '/admin/types/new', '/admin/types/1']) {
    console.log(await time(server.url, path, admin));
  }
  for (const path of ['/desk', '/desk?done=1', '/desk?done=1&page=3']) {
    console.log(await time(server.url, path, sup));
  }
  console.log(await time(server.url, '/desk', official));
  console.log(await time(server.url, '/desk/dashboard', sup));
} finally {
  await server.stop();
}
