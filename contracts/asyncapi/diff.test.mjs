// Contracts grow additively: against the last release's document (contracts/asyncapi.release.yaml), the current one
// may add channels, messages and optional members, never remove or retype them. @asyncapi/diff compares the two
// (parsed and dereferenced by the official parser); its standard stops at a message's payload, so the rules for the
// members of a payload are given here (as `override`: the library reads that key, not the `overrides` its README names).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { diff } from '@asyncapi/diff';

const rule = (add, remove, edit) => ({ add, remove, edit });
// A schema's members, wherever the diff meets them: in a message's payload, or in the component it comes from.
const schemaRules = (base) => ({
  [`${base}/properties`]: rule('non-breaking', 'breaking', 'breaking'),
  [`${base}/properties/*`]: rule('non-breaking', 'breaking', 'breaking'),
  [`${base}/properties/*/*`]: rule('non-breaking', 'breaking', 'unclassified'),
  [`${base}/properties/*/type`]: rule('breaking', 'breaking', 'breaking'),
  [`${base}/properties/*/type/*`]: rule('breaking', 'breaking', 'breaking'),
  [`${base}/properties/*/format`]: rule('breaking', 'non-breaking', 'breaking'),
  [`${base}/properties/*/description`]: rule('non-breaking', 'non-breaking', 'non-breaking'),
  [`${base}/required`]: rule('breaking', 'non-breaking', 'breaking'),
  [`${base}/required/*`]: rule('breaking', 'non-breaking', 'breaking'),
  [`${base}/description`]: rule('non-breaking', 'non-breaking', 'non-breaking'),
  [`${base}/title`]: rule('non-breaking', 'non-breaking', 'non-breaking'),
});
// A message's headers are a schema too: a message may gain optional headers (a publisher that sends none is still
// right), never lose or retype one.
export const overrides = {
  '/components/schemas': rule('non-breaking', 'breaking', 'breaking'),
  '/components/schemas/*': rule('non-breaking', 'breaking', 'breaking'),
  ...schemaRules('/components/schemas/*'),
  ...schemaRules('/channels/*/messages/*/payload'),
  ...schemaRules('/components/messages/*/payload'),
  '/channels/*/messages/*/headers': rule('non-breaking', 'breaking', 'breaking'),
  '/components/messages/*/headers': rule('non-breaking', 'breaking', 'breaking'),
  ...schemaRules('/channels/*/messages/*/headers'),
  ...schemaRules('/components/messages/*/headers'),
};

const parse = async (text) => {
  const { document, diagnostics } = await new Parser().parse(text);
  assert.ok(document, diagnostics.map((d) => d.message).join('; '));
  return document.json();
};
const read = (name) => readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');
const breaking = async (before, after) => diff(await parse(before), await parse(after), { override: overrides }).breaking();

test('the current document breaks nothing of the last release', async () => {
  assert.deepEqual(await breaking(read('asyncapi.release.yaml'), read('asyncapi.yaml')), []);
});

test('a breaking edit of a contract is caught: a member removed, a member retyped', async () => {
  const current = read('asyncapi.yaml');
  const document = await parse(current);
  const removed = structuredClone(document);
  delete removed.channels.InteractionRequested.messages.InteractionRequestedPlain.payload.properties.requestId;
  const retyped = structuredClone(document);
  retyped.channels.InteractionRequested.messages.InteractionRequestedPlain.payload.properties.requestId.type = 'integer';

  assert.ok(diff(document, removed, { override: overrides }).breaking().length > 0, 'removing requestId was not breaking');
  assert.ok(diff(document, retyped, { override: overrides }).breaking().length > 0, 'retyping requestId was not breaking');
  const added = structuredClone(document);
  added.channels.InteractionRequested.messages.InteractionRequestedPlain.payload.properties.priority = { type: 'string' };
  assert.deepEqual(diff(document, added, { override: overrides }).breaking(), [], 'an added optional member was called breaking');
});
