// panva's oidc-provider (OpenID Certified), configured for tests/realprovider/test_oidc_provider.py.
//
//   node server.mjs [port]      (port 0 or none: the system picks a free one)
//
// Listens on 127.0.0.1 only, then prints one line "ready <issuer>" to stdout.
// Every key (signing key, cookie keys) is made fresh at start; nothing is stored.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider, { errors } from 'oidc-provider';

// The resource server (RFC 8707 resource indicator) whose access tokens are JWTs (RFC 9068).
const API = 'https://api.tokenlab.test/';
const API_SCOPE = 'api:read';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'realprovider-rs256', alg: 'RS256', use: 'sig' };

const configuration = {
  clients: [
    {
      // Confidential: client credentials, client_secret_basic; also introspects.
      client_id: 'reporting-service',
      client_secret: 'reporting-secret-realprovider-5f0c2a9e',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
    {
      // Public: authorization code + PKCE (required for public clients), refresh tokens.
      client_id: 'spa',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
  // Refresh tokens for any client allowed the grant, without needing offline_access + prompt=consent.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: true }, // development login (any login, any password) and consent pages
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, client, oneOf) =>
        oneOf ?? (client.clientId === 'reporting-service' ? API : undefined),
      useGrantedResource: async () => false,
      getResourceServerInfo: async (_ctx, resourceIndicator) => {
        if (resourceIndicator !== API) throw new errors.InvalidTarget();
        return {
          scope: API_SCOPE,
          audience: API,
          accessTokenTTL: 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
};

const server = createServer();
server.listen(Number(process.argv[2] ?? process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, configuration);
  // Unexpected failures go to stderr, which the test shows when something fails.
  provider.on('server_error', (_ctx, err) => console.error('server_error', err));
  server.on('request', provider.callback());
  process.stdout.write(`ready ${issuer}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0)); // nothing to flush: all state is in memory
}
