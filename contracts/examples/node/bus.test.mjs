// Runs against a live bus with a worker consuming it: RABBITMQ_URL must be set (infra/test.sh
// starts RabbitMQ, the emulator and a worker process for it). Fails, never skips, without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import amqp from 'amqplib';
import { ask } from './messaging-bus.mjs';

const url = process.env.RABBITMQ_URL;

test('a Node publisher gets the streamed answer over the bus', async () => {
  assert.ok(url, 'RABBITMQ_URL is not set: run infra/test.sh (it starts RabbitMQ and a worker)');
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    const { type, deltas, final } = await ask(channel, { model: 'gemini-3.5-flash', input: 'Explain how AI works' });

    assert.equal(type, 'InteractionCompleted');
    assert.equal(final.status, 'completed');
    assert.ok(deltas.length > 0, 'no StepDelta arrived');
    const sorted = [...deltas].sort((a, b) => a.sequence - b.sequence);
    sorted.forEach((d, i) => assert.equal(d.sequence, (i === 0 ? 1 : sorted[i - 1].lastSequence + 1), 'sequence gap'));
    const modelOutput = new Set(final.steps.map((s, i) => (s.type === 'model_output' ? i : -1)).filter((i) => i >= 0));
    const text = sorted.filter((d) => modelOutput.has(d.index) && d.delta.type === 'text').map((d) => d.text).join('');
    assert.equal(text, final.outputText);
    assert.ok(final.usage.total_tokens > 0);
  } finally {
    await connection.close();
  }
});
