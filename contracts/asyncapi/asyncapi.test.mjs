// contracts/asyncapi.yaml, as the official parser reads it: valid AsyncAPI 3.0, every message of the contracts in it,
// with its channel, its operation and a payload schema. The document itself is generated from the contracts by
// tests/Messaging.Contracts.Tests (which also checks it equals what they build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';

const source = readFileSync(new URL('../asyncapi.yaml', import.meta.url), 'utf8');
const contracts = readdirSync(new URL('../schema/', import.meta.url)).map((f) => f.replace('.schema.json', ''))
  .filter((t) => !['BudgetFigures', 'ValidationProblem', 'FunctionCall'].includes(t));

test('the AsyncAPI document is valid for the official parser, without errors', async () => {
  const { document, diagnostics } = await new Parser().parse(source);
  const errors = diagnostics.filter((d) => d.severity === 0);
  assert.deepEqual(errors.map((e) => `${e.path.join('.')}: ${e.message}`), []);
  assert.ok(document, 'the parser returned no document');
  assert.equal(document.version(), '3.0.0');
});

test('every contract has its exchange channel, an operation and a message with a payload', async () => {
  const { document } = await new Parser().parse(source);
  const channels = new Map(document.channels().all().map((c) => [c.id(), c]));
  for (const type of contracts) {
    const channel = channels.get(type);
    assert.ok(channel, `no channel for ${type}`);
    assert.equal(channel.address(), `Messaging.Contracts:${type}`);
    assert.equal(channel.bindings().get('amqp').value().exchange.type, 'fanout');
    const message = document.components().messages().all().find((m) => m.id() === type);
    assert.ok(message?.payload(), `no payload for ${type}`);
    assert.ok(document.operations().all().some((o) => o.channels().all().some((c) => c.id() === type)), `no operation on ${type}`);
  }
  for (const id of ['workQueue', 'sagaQueue', 'errorQueue', 'replyAddress']) assert.ok(channels.get(id), `no ${id} channel`);
  assert.equal(document.components().messages().all().find((m) => m.id() === 'InteractionRequestedPlain').contentType(), 'application/json');
});
