// Runs against a live bus with a worker consuming it: RABBITMQ_URL must be set (infra/test.sh
// starts RabbitMQ, the emulator and a worker process for it). Fails, never skips, without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessagingBus } from './messaging-bus.mjs';

const url = process.env.RABBITMQ_URL;
const weatherTools = [{
  type: 'function', name: 'get_current_temperature',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
}];

async function withBus(run) {
  assert.ok(url, 'RABBITMQ_URL is not set: run infra/test.sh (it starts RabbitMQ and a worker)');
  const bus = await MessagingBus.connect(url, { clientName: 'node-test' });
  try { await run(bus); } finally { await bus.close(); }
}

test('a Node publisher gets the streamed answer on its reply queue', () => withBus(async (bus) => {
  const { type, deltas, final, text } = await bus.ask({ model: 'gemini-3.5-flash', input: 'Explain how AI works' });

  assert.equal(type, 'InteractionCompleted');
  assert.equal(final.status, 'completed');
  assert.ok(deltas.length > 0, 'no StepDelta arrived');
  deltas.forEach((d, i) => assert.equal(d.sequence, i === 0 ? 1 : deltas[i - 1].lastSequence + 1, 'sequence gap'));
  const modelOutput = new Set(final.steps.map((s, i) => (s.type === 'model_output' ? i : -1)).filter((i) => i >= 0));
  assert.equal(deltas.filter((d) => modelOutput.has(d.index) && d.delta.type === 'text').map((d) => d.text).join(''), final.outputText);
  assert.equal(text, final.outputText);
  assert.ok(final.usage.total_tokens > 0);
}));

test('concurrent turns on one reply queue each get their own answer', () => withBus(async (bus) => {
  const prompts = ['Explain how AI works', 'Write a haiku about queues', 'Name three rivers'];
  const answers = await Promise.all(prompts.map((input) => bus.ask({ model: 'gemini-3.5-flash', input })));

  const turns = new Set();
  for (const answer of answers) {
    assert.equal(answer.type, 'InteractionCompleted');
    assert.equal(answer.text, answer.final.outputText);
    assert.ok(answer.deltas.every((d) => d.turnId === answer.final.turnId), 'a delta of another turn');
    turns.add(answer.final.turnId);
  }
  assert.equal(turns.size, prompts.length);
}));

test('a Node function answers the model\'s call and the turn completes', () => withBus(async (bus) => {
  const asked = [];
  const answer = await bus.ask({ model: 'gemini-3.5-flash', input: 'What is the temperature in Cairo?', tools: weatherTools }, {
    functions: { get_current_temperature: ({ location }) => { asked.push(location); return { location, celsius: 21.5 }; } },
  });

  assert.equal(answer.type, 'InteractionCompleted', JSON.stringify(answer.final));
  assert.equal(answer.final.status, 'completed');
  assert.equal(answer.calls.length, 1);
  assert.equal(asked.length, 1);
  assert.notEqual(answer.calls[0].requestId, answer.final.requestId, 'the saga\'s continuation answered');
}));
