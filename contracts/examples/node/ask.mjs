#!/usr/bin/env node
// node ask.mjs "Explain how AI works"   (RABBITMQ_URL, default amqp://guest:guest@127.0.0.1:5672/)
// Publishes an InteractionRequested with this process's reply queue and prints the answer as its deltas arrive,
// then the usage.
import { MessagingBus } from './messaging-bus.mjs';

const prompt = process.argv.slice(2).join(' ') || 'Explain how AI works';
const bus = await MessagingBus.connect(process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672/', { clientName: 'ask' });
try {
  const { final } = await bus.ask({ model: process.env.GEMINI_MODEL ?? 'gemini-3.5-flash', input: prompt }, {
    onDelta: (d) => { if (d.text) process.stdout.write(d.text); },
  });
  process.stdout.write(`\n\nusage: ${JSON.stringify(final.usage)}\n`);
} finally {
  await bus.close();
}
