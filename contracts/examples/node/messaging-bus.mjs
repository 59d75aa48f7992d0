// A small client of the Messaging bus for services that are not .NET, on amqplib.
//
// Wire format (see the README's "The wire format"):
// - every message type has a durable fanout exchange named "Messaging.Contracts:<TypeName>";
// - a message is a MassTransit JSON envelope (content type application/vnd.masstransit+json)
//   whose "message" member is the contract in camelCase, with the API's JSON nested in snake_case;
// - a request's "replyTo" names a queue of the requester's: the worker (and the saga, through a function loop) sends
//   every event of the request there, so the requester reads its own answers only (MessagingBus below);
// - a service that wants every event of a type binds its own queue to the type's exchange (subscribe below);
// - an InteractionRequested whose request is at most 64 KiB carries the header "messaging-lane: small", which puts it on
//   the workers' small lane (laneHeaders below): it runs as wide as a replica's stream limit, without a hop.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import amqp from 'amqplib';

export const exchangeOf = (type) => `Messaging.Contracts:${type}`;

/** The largest request (UTF-8 bytes of the API create body) of the small lane. */
export const SMALL_REQUEST_BYTES = 64 * 1024;

/** The lane header of a message: "small" for an InteractionRequested whose request is at most SMALL_REQUEST_BYTES. */
export function laneHeaders(type, message) {
  if (type !== 'InteractionRequested') return {};
  const size = Buffer.byteLength(JSON.stringify(message.request ?? null), 'utf8');
  return size <= SMALL_REQUEST_BYTES ? { 'messaging-lane': 'small' } : {};
}

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
    headers: laneHeaders(type, message),
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

const finalTypes = ['InteractionCompleted', 'InteractionFailed', 'InteractionRejected', 'InteractionCancelled'];

/**
 * A connection with a reply queue of this process's own (durable, bound to no exchange; deleted by close()). Every
 * request it publishes names that queue as its `replyTo`, so the worker, and the saga through a function loop, send
 * that request's events there: this process reads its own answers only, and can run many turns at once.
 */
export class MessagingBus {
  static async connect(url, { clientName = 'node', prefix = '' } = {}) {
    const connection = await amqp.connect(url);
    const channel = await connection.createConfirmChannel();
    const replyQueue = `${prefix}reply-${clientName}-${randomUUID().slice(0, 8)}`;
    await channel.assertQueue(replyQueue, { durable: true });
    const bus = new MessagingBus(connection, channel, replyQueue, prefix);
    await channel.consume(replyQueue, (delivery) => bus.#receive(delivery));
    return bus;
  }

  #turns = new Map(); // turnId → the turn being read

  constructor(connection, channel, replyQueue, prefix) {
    Object.assign(this, { connection, channel, replyQueue, prefix });
  }

  /** Publishes one contract to its exchange: in MassTransit's envelope, or as plain JSON (`plain: true`). */
  async publish(type, message, { plain = false } = {}) {
    const body = plain ? message : envelope(type, message);
    this.channel.publish(`${this.prefix}${exchangeOf(type)}`, '', Buffer.from(JSON.stringify(body)), {
      contentType: plain ? 'application/json' : 'application/vnd.masstransit+json',
      persistent: true,
      messageId: randomUUID(),
      headers: laneHeaders(type, message),
    });
    await this.channel.waitForConfirms();
  }

  /**
   * Publishes InteractionRequested for `request` (the API create body) with this process's reply queue and resolves,
   * at the turn's final event, with { type, final, deltas (each once, in order), calls, text }. A FunctionCallRequested
   * is answered with functions[name](args) (a throw: isError), which the saga sends on to the model; the turn goes on
   * to its continuation. Rejects on InteractionFailed, InteractionRejected or InteractionCancelled.
   */
  async ask(request, { functions = {}, onDelta = () => {}, timeoutMs = 60000, conversationId } = {}) {
    const requestId = randomUUID();
    const turn = { deltas: [], seen: new Set(), calls: [], functions, onDelta };
    const done = new Promise((resolve, reject) => Object.assign(turn, { resolve, reject }));
    this.#turns.set(requestId, turn);
    const timer = setTimeout(() => turn.reject(new Error(`no final event for ${requestId} within ${timeoutMs} ms`)), timeoutMs);
    try {
      await this.publish('InteractionRequested', {
        requestId, conversationId: conversationId ?? requestId, turnId: requestId, request, replyTo: this.replyQueue,
      });
      return await done;
    } finally {
      clearTimeout(timer);
      this.#turns.delete(requestId);
    }
  }

  #receive(delivery) {
    if (!delivery) return;
    this.channel.ack(delivery);
    const body = JSON.parse(delivery.content.toString('utf8'));
    const urn = (body.messageType ?? [])[0] ?? '';
    const type = urn.slice(urn.lastIndexOf(':') + 1);
    const message = body.message;
    const turn = this.#turns.get(message?.turnId);
    if (!turn) return; // a turn this process no longer waits for
    if (type === 'StepDelta') {
      const key = `${message.requestId}/${message.sequence}`; // a redelivered delta comes again with its sequence
      if (turn.seen.has(key)) return;
      turn.seen.add(key);
      turn.deltas.push(message);
      turn.onDelta(message);
    } else if (type === 'FunctionCallRequested') {
      turn.calls.push(message);
      this.#answer(message, turn.functions).catch(turn.reject);
    } else if (finalTypes.includes(type)) {
      const last = message.requestId;
      const deltas = turn.deltas.sort((a, b) => (a.requestId !== last) - (b.requestId !== last) || a.sequence - b.sequence);
      const text = deltas.filter((d) => d.requestId === last).map((d) => d.text ?? '').join('');
      if (type === 'InteractionCompleted') turn.resolve({ type, final: message, deltas, calls: turn.calls, text });
      else turn.reject(Object.assign(new Error(`${type}: ${JSON.stringify(message.errors ?? message.error ?? message.reason ?? message)}`), { type, message }));
    }
  }

  async #answer(call, functions) {
    let result, isError = false;
    try {
      const fn = functions[call.name];
      if (!fn) throw new Error(`no function ${call.name} here`);
      result = await fn(call.arguments ?? {});
    } catch (error) { // the model hears what went wrong
      result = { error: String(error?.message ?? error) };
      isError = true;
    }
    // Plain JSON: the saga's queue takes either form for the loop's messages.
    await this.publish('FunctionResultSubmitted', {
      conversationId: call.conversationId, interactionId: call.interactionId, callId: call.callId, name: call.name, result, isError,
    }, { plain: true });
  }

  async close() {
    await this.channel.deleteQueue(this.replyQueue);
    await this.connection.close();
  }
}
