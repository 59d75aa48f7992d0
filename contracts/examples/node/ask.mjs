#!/usr/bin/env node
// node ask.mjs "Explain how AI works"   (RABBITMQ_URL, default amqp://guest:guest@127.0.0.1:5672/)
// Publishes an InteractionRequested and prints the answer as its deltas arrive, then the usage.
import amqp from 'amqplib';
import { ask } from './messaging-bus.mjs';

const prompt = process.argv.slice(2).join(' ') || 'Explain how AI works';
const connection = await amqp.connect(process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672/');
try {
  const channel = await connection.createChannel();
  const { final } = await ask(channel, { model: process.env.GEMINI_MODEL ?? 'gemini-3.5-flash', input: prompt }, {
    onDelta: (d) => { if (d.text) process.stdout.write(d.text); },
  });
  process.stdout.write(`\n\nusage: ${JSON.stringify(final.usage)}\n`);
} finally {
  await connection.close();
}
