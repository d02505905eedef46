// A development OpenID Connect provider (the OpenID-certified `oidc-provider` package) on loopback.
// Used by tests/accounts and by `portal demo`. Not for production: its login form accepts any name.
//
// Configuration (environment):
//   OIDC_HOST        address to listen on (default 127.0.0.1)
//   OIDC_PORT        port (default 0: any free port; the chosen one is printed)
//   OIDC_CLIENTS     JSON list of client metadata, e.g.
//                    [{"client_id": "portal", "client_secret": "...", "redirect_uris": [...],
//                      "post_logout_redirect_uris": [...]},
//                     {"client_id": "portal-jwt", "token_endpoint_auth_method": "private_key_jwt",
//                      "jwks": {"keys": [<public JWK>]}, "redirect_uris": [...]}]
//   OIDC_ACR_VALUES  space-separated acr values, weakest first (default below). A sign-in gets the first
//                    requested acr_values entry the provider knows, else the weakest; a signed-in session weaker
//                    than the acr_values asked for signs in again (step-up, as Login.gov does for "verified").
//   OIDC_TEST_HOOKS  "1" enables POST /__test/clock?offset=<seconds> (shifts the provider's clock, so tests can
//                    receive tokens that are already expired).
//   OIDC_EXIT_WITH_STDIN  "1": exit when stdin closes, i.e. when the process that started this one is gone.
//
// When listening, prints one JSON line to stdout: {"issuer": "http://127.0.0.1:<port>"}.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider, { interactionPolicy } from 'oidc-provider';

const host = process.env.OIDC_HOST || '127.0.0.1';
const port = Number(process.env.OIDC_PORT || 0);
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const acrValues = (process.env.OIDC_ACR_VALUES || 'urn:portal:dev:acr:basic urn:portal:dev:acr:verified')
  .split(/\s+/).filter(Boolean);
const testHooks = process.env.OIDC_TEST_HOOKS === '1';

let clockOffsetMs = 0;
if (testHooks) {
  const realNow = Date.now;
  Date.now = () => realNow() + clockOffsetMs;
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
}

// Every login name is an account; its claims are made up from the name, so tests know what to expect.
function claimsFor(sub) {
  const given = sub.charAt(0).toUpperCase() + sub.slice(1);
  return {
    sub,
    name: `${given} Resident`,
    given_name: given,
    family_name: 'Resident',
    email: `${sub}@example.test`,
    email_verified: true,
    phone_number: '+1 555 010 0199',
    phone_number_verified: false,
    address: {
      street_address: '1 Capitol Way',
      locality: 'Westland City',
      region: 'WL',
      postal_code: '99501',
      country: 'US',
    },
  };
}

// Step-up: like Login.gov, ask the resident to sign in again when the request wants more than the session has.
const { Check } = interactionPolicy;
const policy = interactionPolicy.base();
policy.get('login').checks.push(new Check('acr_step_up', 'the session is weaker than the acr_values asked for', (ctx) => {
  const { oidc } = ctx;
  const rank = (value) => acrValues.indexOf(value);
  const requested = String(oidc.params.acr_values || '').split(' ').filter((v) => rank(v) !== -1);
  if (!requested.length || !oidc.session.accountId) return Check.NO_NEED_TO_PROMPT;
  return rank(oidc.acr) >= Math.min(...requested.map(rank)) ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
}));

const page = (title, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;

const configuration = {
  clients,
  acrValues,
  jwks: { keys: [signingKey()] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  interactions: { policy },
  scopes: ['openid', 'email', 'profile', 'phone', 'address'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'locale'],
    phone: ['phone_number', 'phone_number_verified'],
    address: ['address'],
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Sign out of the development provider?',
          `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
           <button type="submit" form="op.logoutForm">No, stay signed in</button>`);
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = page('Signed out', '<p>You have signed out of the development provider.</p>');
      },
    },
  },
  async findAccount(ctx, sub) {
    return { accountId: sub, claims: async () => claimsFor(sub) };
  },
  // The portal is a first-party client: grant what it asks for instead of showing a consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const existing = await ctx.oidc.provider.Grant.find(grantId);
      if (existing) return existing;
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
    grant.addOIDCClaims(['sub', 'name', 'given_name', 'family_name', 'email', 'email_verified', 'phone_number',
      'phone_number_verified', 'address', 'locale']);
    await grant.save();
    return grant;
  },
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: 600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Sign-in error', `<p>${String(out.error).replace(/[<>&"]/g, '')}</p>`);
  },
};

const server = createServer();
server.listen(port, host, () => {
  const { port: actualPort } = server.address();
  const issuer = `http://${host}:${actualPort}`;
  const provider = new Provider(issuer, configuration);

  // Step-up: the login this provider records carries the first acr the client asked for that it knows.
  const finished = provider.interactionFinished.bind(provider);
  provider.interactionFinished = async (req, res, result, options) => {
    if (result?.login) {
      const { params } = await provider.interactionDetails(req, res);
      const requested = String(params.acr_values || '').split(' ').filter((v) => acrValues.includes(v));
      result.login.acr = requested.length ? requested[0] : acrValues[0];
    }
    return finished(req, res, result, options);
  };

  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (testHooks && req.method === 'POST' && req.url.startsWith('/__test/clock')) {
      const offset = Number(new URL(req.url, issuer).searchParams.get('offset') || 0);
      clockOffsetMs = offset * 1000;
      res.writeHead(204).end();
      return;
    }
    callback(req, res);
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

if (process.env.OIDC_EXIT_WITH_STDIN === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
