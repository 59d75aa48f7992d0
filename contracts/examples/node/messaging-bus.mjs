// A small client of the Messaging bus for services that are not .NET, on amqplib.
//
// Wire format (see the README's "From another language"):
// - every message type has a durable fanout exchange named "Messaging.Contracts:<TypeName>";
// - a message is a MassTransit JSON envelope (content type application/vnd.masstransit+json)
//   whose "message" member is the contract in camelCase, with the API's JSON nested in snake_case;
// - consumers bind their own queue to the exchanges of the events they want and filter by ids.
import { randomUUID } from 'node:crypto';
import os from 'node:os';

export const exchangeOf = (type) => `Messaging.Contracts:${type}`;

/** Wraps a contract in MassTransit's envelope. */
export function envelope(type, message) {
  return {
    messageId: randomUUID(),
    conversationId: message.conversationId ?? null,
    sourceAddress: null,
    destinationAddress: `rabbitmq://localhost/${exchangeOf(type)}`,
    messageType: [`urn:message:Messaging.Contracts:${type}`],
    message,
    sentTime: new Date().toISOString(),
    headers: {},
    host: { machineName: os.hostname(), processName: 'node', processId: process.pid, assembly: 'messaging-node-example' },
  };
}

/** Publishes one contract (e.g. 'InteractionRequested') to its exchange. */
export async function publish(channel, type, message) {
  const exchange = exchangeOf(type);
  await channel.assertExchange(exchange, 'fanout', { durable: true });
  channel.publish(exchange, '', Buffer.from(JSON.stringify(envelope(type, message))), {
    contentType: 'application/vnd.masstransit+json',
    persistent: true,
    messageId: randomUUID(),
  });
}

/**
 * Binds an exclusive, auto-deleted queue to the exchanges of `types` and calls
 * onMessage(type, message) for each delivery (the envelope's "message" member).
 */
export async function subscribe(channel, types, onMessage) {
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  for (const type of types) {
    await channel.assertExchange(exchangeOf(type), 'fanout', { durable: true });
    await channel.bindQueue(queue, exchangeOf(type), '');
  }
  await channel.consume(queue, (delivery) => {
    if (!delivery) return;
    const body = JSON.parse(delivery.content.toString('utf8'));
    const urn = (body.messageType ?? [])[0] ?? '';
    const type = urn.slice(urn.lastIndexOf(':') + 1);
    onMessage(type, body.message);
    channel.ack(delivery);
  });
  return queue;
}

/**
 * Publishes InteractionRequested for `request` (the API create body) and resolves with
 * { deltas, completed } once the interaction ends; rejects on InteractionFailed/Rejected/Cancelled.
 * onDelta(stepDelta) is called for every StepDelta, in arrival order.
 */
export async function ask(channel, request, { onDelta = () => {}, timeoutMs = 60000 } = {}) {
  const requestId = randomUUID();
  const deltas = [];
  const finalTypes = ['InteractionCompleted', 'InteractionRequiresAction', 'InteractionFailed', 'InteractionRejected', 'InteractionCancelled'];
  let settle;
  const done = new Promise((resolve, reject) => { settle = { resolve, reject }; });
  await subscribe(channel, ['StepDelta', ...finalTypes], (type, message) => {
    if (message.requestId !== requestId && message.turnId !== requestId) return;
    if (type === 'StepDelta') { deltas.push(message); onDelta(message); return; }
    if (type === 'InteractionCompleted' || type === 'InteractionRequiresAction') settle.resolve({ type, deltas, final: message });
    else settle.reject(Object.assign(new Error(`${type}: ${JSON.stringify(message.errors ?? message.error ?? message.reason ?? message)}`), { type, message }));
  });
  await publish(channel, 'InteractionRequested', { requestId, conversationId: requestId, turnId: requestId, request });
  const timer = setTimeout(() => settle.reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try { return { requestId, ...(await done) }; } finally { clearTimeout(timer); }
}
