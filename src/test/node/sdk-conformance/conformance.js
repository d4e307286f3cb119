'use strict';
// Drives the HighLevel simulator with HighLevel's official Node SDK (@gohighlevel/api-client, pinned in
// package.json) at its default settings; only the base URL points at the simulator. Run by SdkConformanceTest,
// which starts the simulator and passes:
//   HIGHLEVEL_URL, HIGHLEVEL_TOKEN (Private Integration token), LOCATION_ID, COMPANY_ID,
//   CLIENT_ID, CLIENT_SECRET, REDIRECT_URI (a marketplace app registered in the simulator)
// Prints "ok <step>" per step and "SDK CONFORMANCE OK ..." at the end; any error prints "FAILED <step>: ..." and
// exits with 1.

const http = require('http');
const sdk = require('@gohighlevel/api-client');
const { HighLevel, MemorySessionStorage } = sdk;
const { parseRateLimitHeaders } = require('@gohighlevel/api-client/dist/lib/utils/rate-limit');

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`environment variable ${name} is not set`);
  }
  return value;
};
const BASE = env('HIGHLEVEL_URL');
const LOCATION = env('LOCATION_ID');
const COMPANY = env('COMPANY_ID');
const CLIENT_ID = env('CLIENT_ID');
const CLIENT_SECRET = env('CLIENT_SECRET');

let current = 'setup';
const steps = [];
async function step(name, fn) {
  current = name;
  const result = await fn();
  steps.push(name);
  console.log(`ok ${name}`);
  return result;
}
function check(condition, message) {
  if (!condition) {
    throw new Error(`check failed: ${message}`);
  }
}

// The one change from the SDK's defaults: where the API is (the SDK's BASE_URL is services.leadconnectorhq.com).
HighLevel.BASE_URL = BASE;

// Webhooks the simulator sends, as received: headers and the exact body bytes.
const received = [];
const waiting = [];
const receiver = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const hook = { headers: req.headers, raw: Buffer.concat(chunks) };
    hook.body = JSON.parse(hook.raw.toString('utf8'));
    received.push(hook);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"ok":true}');
    waiting.splice(0).forEach((wake) => wake());
  });
});

async function webhook(type, predicate = () => true, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hook = received.find((h) => h.body.type === type && predicate(h.body) && !h.taken);
    if (hook) {
      hook.taken = true;
      return hook;
    }
    if (Date.now() > deadline) {
      throw new Error(`no ${type} webhook arrived within ${timeoutMs} ms (received: ${received.map((h) => h.body.type)})`);
    }
    await new Promise((resolve) => { waiting.push(resolve); setTimeout(resolve, 200); });
  }
}

async function admin(method, path, body) {
  const response = await fetch(BASE + path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    redirect: 'manual',
  });
  const text = await response.text();
  if (response.status >= 400) {
    throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  }
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : null };
}

/** Runs the SDK's webhook middleware as an Express app would, with the raw body kept. */
function throughMiddleware(ghl, hook) {
  const req = { method: 'POST', url: '/webhooks/ghl', headers: hook.headers, body: hook.body, rawBody: hook.raw };
  return new Promise((resolve, reject) => {
    ghl.webhooks.subscribe()(req, {}, (error) => (error ? reject(error) : resolve(req)));
  });
}

async function contactOperations(ghl) {
  const stamp = Date.now();
  const email = `sdk.conformance.${stamp}@example.com`;
  const contact = await step('createContact', () => ghl.contacts.createContact({
    locationId: LOCATION, firstName: 'Zoë', lastName: "O'Neill", email, phone: '+14155550123', tags: ['sdk'],
  }));
  const id = contact.contact.id;
  check(id, 'createContact answers contact.id');
  const got = await step('getContact', () => ghl.contacts.getContact({ contactId: id }));
  check(got.contact.email === email, 'getContact returns the created contact');
  await step('updateContact', () => ghl.contacts.updateContact({ contactId: id }, { lastName: "O'Neill-Smith" }));
  await step('getContacts', () => ghl.contacts.getContacts({ locationId: LOCATION, limit: 5 }));
  const search = await step('searchContactsAdvanced', () => ghl.contacts.searchContactsAdvanced({
    locationId: LOCATION, pageLimit: 10, filters: [{ field: 'email', operator: 'eq', value: email }],
  }));
  check(search.contacts.some((c) => c.id === id), 'searchContactsAdvanced finds the contact');
  await step('getDuplicateContact', () => ghl.contacts.getDuplicateContact({ locationId: LOCATION, email }));
  await step('upsertContact', () => ghl.contacts.upsertContact({ locationId: LOCATION, email, firstName: 'Zoé' }));

  await step('addTags', () => ghl.contacts.addTags({ contactId: id }, { tags: ['vip', 'sdk-2'] }));
  await step('removeTags', () => ghl.contacts.removeTags({ contactId: id }, { tags: ['sdk-2'] }));
  await step('createAssociation (bulk tags add)', () => ghl.contacts.createAssociation({ type: 'add' },
    { contacts: [id], tags: ['bulk'], locationId: LOCATION }));

  const note = await step('createNote', () => ghl.contacts.createNote({ contactId: id }, { body: 'Met at the fair' }));
  const noteId = note.note.id;
  await step('getAllNotes', () => ghl.contacts.getAllNotes({ contactId: id }));
  await step('getNote', () => ghl.contacts.getNote({ contactId: id, id: noteId }));
  await step('updateNote', () => ghl.contacts.updateNote({ contactId: id, id: noteId }, { body: 'Met at the fair, again' }));
  await step('deleteNote', () => ghl.contacts.deleteNote({ contactId: id, id: noteId }));

  const task = await step('createTask', () => ghl.contacts.createTask({ contactId: id },
    { title: 'Call back', dueDate: new Date(stamp + 86400000).toISOString(), completed: false }));
  const taskId = task.task.id;
  await step('getAllTasks', () => ghl.contacts.getAllTasks({ contactId: id }));
  await step('getTask', () => ghl.contacts.getTask({ contactId: id, taskId }));
  await step('updateTask', () => ghl.contacts.updateTask({ contactId: id, taskId }, { title: 'Call back soon' }));
  await step('updateTaskCompleted', () => ghl.contacts.updateTaskCompleted({ contactId: id, taskId }, { completed: true }));
  await step('deleteTask', () => ghl.contacts.deleteTask({ contactId: id, taskId }));

  await step('getAppointmentsForContact', () => ghl.contacts.getAppointmentsForContact({ contactId: id }));
  await step('addFollowersContact', () => ghl.contacts.addFollowersContact({ contactId: id }, { followers: ['user-1'] }));
  await step('removeFollowersContact', () => ghl.contacts.removeFollowersContact({ contactId: id }, { followers: ['user-1'] }));
  await step('addContactToCampaign', () => ghl.contacts.addContactToCampaign({ contactId: id, campaignId: 'camp-1' }, {}));
  await step('removeContactFromCampaign', () => ghl.contacts.removeContactFromCampaign({ contactId: id, campaignId: 'camp-1' }));
  await step('removeContactFromEveryCampaign', () => ghl.contacts.removeContactFromEveryCampaign({ contactId: id }));
  await step('addContactToWorkflow', () => ghl.contacts.addContactToWorkflow({ contactId: id, workflowId: 'wf-1' },
    { eventStartTime: new Date(stamp).toISOString() }));
  await step('deleteContactFromWorkflow', () => ghl.contacts.deleteContactFromWorkflow({ contactId: id, workflowId: 'wf-1' }, {}));

  current = 'setup: businesses.createBusiness';
  const business = await ghl.businesses.createBusiness({ name: `SDK Business ${stamp}`, locationId: LOCATION });
  const businessId = (business.buiseness || business.business).id; // the spec's own spelling is "buiseness"
  await step('addRemoveContactFromBusiness', () => ghl.contacts.addRemoveContactFromBusiness(
    { locationId: LOCATION, ids: [id], businessId }));
  const ofBusiness = await step('getContactsByBusinessId', () => ghl.contacts.getContactsByBusinessId(
    { businessId, locationId: LOCATION, limit: 10 }));
  check(JSON.stringify(ofBusiness).includes(id), 'getContactsByBusinessId lists the contact');

  await step('deleteContact', () => ghl.contacts.deleteContact({ contactId: id }));
  return id;
}

async function main() {
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hooksUrl = `http://127.0.0.1:${receiver.address().port}/hooks`;

  // ---- every contact operation, with a Private Integration token and the SDK's defaults -------------------
  const ghl = new HighLevel({ privateIntegrationToken: env('HIGHLEVEL_TOKEN') });
  check(ghl.getConfig().apiVersion === '2023-02-21', `the SDK's default Version is 2023-02-21, not ${ghl.getConfig().apiVersion}`);
  const rateLimits = [];
  ghl.addResponseInterceptor({ onFulfilled: (r) => { rateLimits.push(parseRateLimitHeaders(r.headers)); return r; } });
  const operations = Object.getOwnPropertyNames(Object.getPrototypeOf(ghl.contacts)).filter((n) => n !== 'constructor');
  await contactOperations(ghl);
  const called = new Set(steps.map((s) => s.split(' ')[0]));
  const missed = operations.filter((op) => !called.has(op));
  check(missed.length === 0, `every contact operation of the SDK was called; not called: ${missed}`);
  const limits = rateLimits.filter(Boolean);
  check(limits.length > 0 && limits.every((l) => l.scope === 'burst' && l.dailyResetMs > 0 && l.dailyLimit > 0),
    `every answer carries the rate-limit headers the SDK reads, x-ratelimit-daily-reset included: ${JSON.stringify(limits[0])}`);
  console.log(`ok rate-limit headers on ${limits.length} answers (dailyResetMs ${limits[0].dailyResetMs})`);

  // ---- webhooks the simulator signs, verified by the SDK ----------------------------------------------------
  await admin('PUT', '/__admin/webhooks/target', { url: hooksUrl });
  const keys = (await admin('GET', '/__admin/webhooks/public-keys')).json['x-ghl-signature'];
  const storage = new MemorySessionStorage();
  const app = new HighLevel({
    clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, sessionStorage: storage, webhookPublicKey: keys.rawPublicKeyBase64,
  });

  // An agency token (the app installed on the company), through the SDK's own OAuth call.
  const consent = await admin('GET', `/oauth/chooselocation?response_type=code&client_id=${encodeURIComponent(CLIENT_ID)}`
    + `&redirect_uri=${encodeURIComponent(env('REDIRECT_URI'))}`);
  const code = new URL(consent.headers.get('location')).searchParams.get('code');
  const agency = await step('oauth.getAccessToken (agency)', () => app.oauth.getAccessToken({
    client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'authorization_code', code,
    user_type: 'Company', redirect_uri: env('REDIRECT_URI'),
  }));
  check(agency.userType === 'Company' && agency.companyId === COMPANY, 'an agency token for the company');
  await storage.setSession(COMPANY, { ...agency });

  // INSTALL: the middleware verifies it and gets the location's token from the agency token.
  await admin('POST', '/__admin/oauth/installs', { clientId: CLIENT_ID, locationId: LOCATION });
  const install = await webhook('INSTALL');
  check(!('x-wh-signature' in install.headers), 'no legacy RSA x-wh-signature header');
  const installReq = await step('webhooks.subscribe (INSTALL)', () => throughMiddleware(app, install));
  check(installReq.isSignatureValid === true && !installReq.skippedSignatureVerification,
    `INSTALL verified: isSignatureValid=${installReq.isSignatureValid}, skipped=${installReq.skippedSignatureVerification}`);
  check(!installReq.installTokenError, `INSTALL got a location token: ${installReq.installTokenError}`);
  const locationSession = await storage.getSession(LOCATION);
  check(locationSession && locationSession.access_token, 'the location token is stored');

  // A contact event of the installed app's location, verified by the middleware and with each key encoding.
  const id = (await ghl.contacts.createContact({ locationId: LOCATION, firstName: 'Hook', email: `hook.${Date.now()}@example.com` })).contact.id;
  const created = await webhook('ContactCreate', (b) => b.id === id);
  check(created.body.appId === CLIENT_ID.split('-')[0], `the webhook carries the app's appId: ${created.body.appId}`);
  const createdReq = await step('webhooks.subscribe (ContactCreate)', () => throughMiddleware(app, created));
  check(createdReq.isSignatureValid === true, 'ContactCreate verified by the middleware');
  const signature = created.headers['x-ghl-signature'];
  for (const [form, key] of [['PEM', keys.publicKeyPem], ['raw base64', keys.rawPublicKeyBase64], ['hex', keys.rawPublicKeyHex]]) {
    await step(`webhooks.verifyEd25519Signature (${form})`, async () => {
      check(app.webhooks.verifyEd25519Signature(created.raw, signature, key) === true, `valid with the ${form} key`);
      const tampered = Buffer.from(created.raw);
      tampered[tampered.length - 2] ^= 1;
      check(app.webhooks.verifyEd25519Signature(tampered, signature, key) === false, `a changed byte fails (${form})`);
    });
  }
  // The location token the SDK obtained works on the contact endpoints, picked from storage by locationId.
  await step('getContact with the location token', () => app.contacts.getContact({ contactId: id }, { headers: { locationId: LOCATION } }));

  // UNINSTALL: the middleware deletes the location's stored token.
  await admin('DELETE', `/__admin/oauth/installs/${LOCATION}?clientId=${encodeURIComponent(CLIENT_ID)}`);
  const uninstall = await webhook('UNINSTALL');
  const uninstallReq = await step('webhooks.subscribe (UNINSTALL)', () => throughMiddleware(app, uninstall));
  check(uninstallReq.isSignatureValid === true, 'UNINSTALL verified');
  check((await storage.getSession(LOCATION)) === null, 'the location token was deleted');

  console.log(`SDK CONFORMANCE OK: ${operations.length} contact operations, ${steps.length} steps, `
    + `SDK ${require('@gohighlevel/api-client/package.json').version}, Version ${ghl.getConfig().apiVersion}`);
}

main().then(() => {
  receiver.close();
  process.exit(0);
}, (error) => {
  const detail = error && error.statusCode !== undefined
    ? ` (HTTP ${error.statusCode}, ${error.code}: ${JSON.stringify(error.response)})` : '';
  console.log(`FAILED ${current}: ${error && error.message}${detail}`);
  receiver.close();
  process.exit(1);
});
