// Reaching a Redis that guards itself: a password (redis-server --requirepass, the URL's
// redis://:password@host), and TLS (rediss://, redis-server's TLS port with a self-signed
// certificate made here with openssl, trusted through NODE_EXTRA_CA_CERTS). The right credentials
// give the plain check's result; a wrong or missing password, or a certificate this machine does
// not trust, is a usage error (exit 2) that says so, for the coordinator and for a worker.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { built, essence, kmc, startWith } from './processes.js';
import { keyCount, redisInstalled, SKIP_REASON, startSingle, type RedisSetup } from './servers.js';

const CHECK = ['check', 'xen-remove-from-physmap', '--variant', 'ia64-hunk-on-x86', '--json', '--no-traces'];
const dir = mkdtempSync(join(tmpdir(), 'kmc-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
const openssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { encoding: 'utf8' });
/** Debian's redis-server is built with TLS (it links OpenSSL); another build may not be. */
const tlsServer = redisInstalled && /libssl/.test(spawnSync('sh', ['-c', 'ldd "$(command -v redis-server)"'], { encoding: 'utf8' }).stdout ?? '');

describe.skipIf(!redisInstalled || !built)('a Redis with a password, and over TLS', () => {
  let redis: RedisSetup | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it('the right password: the plain result; a wrong or missing one: exit 2 saying so, coordinator and worker', async () => {
    const plain = await kmc(...CHECK, '--workers', '1');
    redis = await startSingle({ password: 'pa:ss' });
    expect(redis.url).toMatch(/^redis:\/\/:pa%3Ass@/);
    const dist = await kmc(...CHECK, '--redis', redis.url, '--workers', '1');
    expect(dist.code, dist.err).toBe(plain.code);
    expect(essence(dist.out)).toEqual(essence(plain.out));
    expect(dist.err).not.toContain('pa%3Ass');
    expect(keyCount(redis)).toBe(0);
    const port = redis.nodes[0]!.port;
    const wrong = await kmc(...CHECK, '--redis', `redis://:nope@127.0.0.1:${port}`, '--workers', '1');
    expect(wrong.code).toBe(2);
    expect(wrong.out).toBe('');
    expect(wrong.err).toMatch(/Redis at 127\.0\.0\.1:\d+: wrong user name or password \(WRONGPASS\)/);
    const none = await kmc('worker', '--redis', `redis://127.0.0.1:${port}`);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/it requires a password, and the URL gives none \(NOAUTH\)/);
  }, 60_000);

  it.skipIf(openssl.status !== 0 || !tlsServer)('rediss:// with the CA trusted: the plain result; not trusted: exit 2 saying so', async () => {
    const plain = await kmc(...CHECK, '--workers', '1');
    redis = await startSingle({ tls: { cert, key }, password: 'pw' });
    expect(redis.url).toMatch(/^rediss:\/\//);
    const dist = await startWith({ NODE_EXTRA_CA_CERTS: cert }, ...CHECK, '--redis', redis.url, '--workers', '1').done;
    expect(dist.code, dist.err).toBe(plain.code);
    expect(essence(dist.out)).toEqual(essence(plain.out));
    expect(keyCount(redis)).toBe(0);
    const untrusted = await kmc(...CHECK, '--redis', redis.url, '--workers', '1');
    expect(untrusted.code).toBe(2);
    expect(untrusted.err).toMatch(/its TLS certificate is not trusted here \(self-signed certificate\); give the certificate of the CA that signed it with NODE_EXTRA_CA_CERTS/);
  }, 60_000);
});

describe.skipIf(redisInstalled && built)('a Redis with a password, and over TLS', () => {
  it.skip(`skipped: ${redisInstalled ? 'dist/ is not built (npm test builds it)' : SKIP_REASON}`, () => {});
});
