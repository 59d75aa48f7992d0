// Shared helpers for the conformance suites (not a test file itself).
import assert from 'node:assert/strict';
import { GoogleGenAI } from '@google/genai';

export const MODEL = 'gemini-3.5-flash';
export const IMAGE_MODEL = 'gemini-3.1-flash-image';
export const AGENT = 'antigravity-preview-05-2026';

const START_HINT =
  'Start the emulator (dotnet run --project src/Messaging.Emulator --urls http://127.0.0.1:PORT) ' +
  'and run: EMULATOR_URL=http://127.0.0.1:PORT node --test';

// Probed once per test file: an unreachable emulator fails every test at once with a clear message
// instead of letting each SDK call retry its connection for seconds.
const unreachable = await probe(process.env.EMULATOR_URL);

async function probe(url) {
  if (!url) return null;
  let last;
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      const response = await fetch(`${url.replace(/\/+$/, '')}/health`, { signal: AbortSignal.timeout(3000) });
      if (response.ok) return null;
      last = `GET /health answered ${response.status}`;
    } catch (e) {
      let code = e.name;
      for (let c = e; c; c = c.cause) if (typeof c.code === 'string') code = c.code;
      last = `GET /health failed: ${code}`;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return last;
}

/** The emulator's base URL; throws (so the calling test fails) when EMULATOR_URL is unset or unreachable. */
export function emulatorUrl() {
  const url = process.env.EMULATOR_URL;
  if (!url) throw new Error(`EMULATOR_URL is not set. ${START_HINT}`);
  if (unreachable) throw new Error(`The emulator at EMULATOR_URL=${url} is not reachable (${unreachable}). ${START_HINT}`);
  return url.replace(/\/+$/, '');
}

/**
 * An SDK client pointed at the emulator, configured like the seed's `new GoogleGenAI({})`
 * plus a base URL. `apiVersion` defaults to the SDK's own default (v1); pass 'v1beta' for the
 * version the seed's REST samples use.
 */
export function client({ apiVersion, headers, fetch } = {}) {
  const httpOptions = { baseUrl: emulatorUrl() };
  if (headers) httpOptions.headers = headers;
  if (fetch) httpOptions.fetch = fetch;
  return new GoogleGenAI({ apiKey: 'test-key', ...(apiVersion ? { apiVersion } : {}), httpOptions });
}

/** A unique label value (lowercase, digits, `_`), to keep emulator fault counters per test. */
export function nonce() {
  return `t${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 10)}`;
}

/** Iterates an SDK stream to the end and returns the events. */
export async function collect(stream) {
  const events = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** Concatenation of every `text` delta of the stream, in order. */
export function streamedText(events) {
  return events
    .filter((e) => e.event_type === 'step.delta' && e.delta?.type === 'text')
    .map((e) => e.delta.text)
    .join('');
}

/** The text of a content list (text blocks joined without separator). */
export function textOf(content) {
  return (content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('');
}

/**
 * Asserts the stream grammar of the reference (§6.2, §6.4): interaction.created first,
 * interaction.completed last, step.start / step.delta* / step.stop per step with indexes 0..n-1
 * streamed one after another, only known event types, an event_id on every event (unique).
 * Returns { created, completed, steps } where steps[i] = { start, deltas, stop }.
 */
export function assertStreamShape(events, { finalStatus = 'completed', allowError = false } = {}) {
  assert.ok(events.length >= 2, `expected at least interaction.created and interaction.completed, got ${events.length} events`);
  const types = events.map((e) => e.event_type);
  const known = new Set([
    'interaction.created',
    'interaction.status_update',
    'step.start',
    'step.delta',
    'step.stop',
    'interaction.completed',
    'error',
  ]);
  for (const t of types) assert.ok(known.has(t), `unknown event_type '${t}' in ${JSON.stringify(types)}`);
  if (!allowError) assert.ok(!types.includes('error'), `stream carried an error event: ${JSON.stringify(events.find((e) => e.event_type === 'error'))}`);

  assert.equal(types[0], 'interaction.created', `first event must be interaction.created: ${JSON.stringify(types)}`);
  assert.equal(types.at(-1), 'interaction.completed', `last event must be interaction.completed: ${JSON.stringify(types)}`);
  assert.equal(types.filter((t) => t === 'interaction.created').length, 1, 'exactly one interaction.created');
  assert.equal(types.filter((t) => t === 'interaction.completed').length, 1, 'exactly one interaction.completed');

  const ids = events.map((e) => e.event_id);
  for (const [i, id] of ids.entries()) {
    assert.equal(typeof id, 'string', `event #${i} (${types[i]}) has no event_id: ${JSON.stringify(events[i])}`);
    assert.ok(id.length > 0, `event #${i} has an empty event_id`);
  }
  assert.equal(new Set(ids).size, ids.length, `event_ids must be unique: ${JSON.stringify(ids)}`);

  const created = events[0].interaction;
  const completed = events.at(-1).interaction;
  assert.equal(typeof created?.id, 'string', 'interaction.created carries interaction.id');
  assert.ok(created.id.length > 0);
  assert.ok(['in_progress', 'queued'].includes(created.status), `interaction.created status: ${created.status}`);
  assert.equal(completed?.id, created.id, 'interaction.completed refers to the created interaction');
  assert.equal(completed.status, finalStatus, `final status (interaction.completed): ${JSON.stringify(completed)}`);

  const steps = [];
  let open = null;
  for (const [i, e] of events.entries()) {
    switch (e.event_type) {
      case 'step.start':
        assert.equal(open, null, `step.start #${e.index} while step ${open?.index} is still open (event #${i})`);
        assert.equal(e.index, steps.length, `step indexes must be 0..n-1 in order (event #${i}: ${e.index})`);
        assert.equal(typeof e.step?.type, 'string', `step.start carries step.type (event #${i})`);
        open = { index: e.index, start: e, deltas: [], stop: null };
        steps.push(open);
        break;
      case 'step.delta':
        assert.ok(open, `step.delta outside of a step (event #${i})`);
        assert.equal(e.index, open.index, `step.delta index ${e.index} inside step ${open.index} (event #${i})`);
        assert.equal(typeof e.delta?.type, 'string', `step.delta carries delta.type (event #${i})`);
        open.deltas.push(e);
        break;
      case 'step.stop':
        assert.ok(open, `step.stop without step.start (event #${i})`);
        assert.equal(e.index, open.index, `step.stop index ${e.index} closes step ${open.index} (event #${i})`);
        open.stop = e;
        open = null;
        break;
      case 'error':
        assert.equal(open, null, `error event inside step ${open?.index} (event #${i})`);
        break;
      case 'interaction.status_update':
        assert.equal(e.interaction_id, created.id, `status_update interaction_id (event #${i})`);
        break;
      default:
        break;
    }
  }
  assert.equal(open, null, `step ${open?.index} never stopped`);
  return { created, completed, steps };
}

/**
 * Runs `fn`, expects it to reject with an SDK API error of the given class and status, with the
 * Google error body (§11), and returns the error.
 */
export async function expectApiError(fn, { name, status, googleStatus }) {
  let error;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected ${name} (${status}) but the call succeeded`);
  assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
  assert.equal(error.status, status, `HTTP status of ${error.name}: ${error.message}`);
  const body = error.error?.error;
  assert.ok(body && typeof body === 'object', `the error body is Google's {"error":{...}} object: ${JSON.stringify(error.error)}`);
  assert.equal(body.code, status, `error.code in the body: ${JSON.stringify(body)}`);
  assert.equal(typeof body.message, 'string', `error.message in the body: ${JSON.stringify(body)}`);
  assert.ok(body.message.length > 0, 'error.message is not empty');
  assert.equal(typeof body.status, 'string', `error.status in the body: ${JSON.stringify(body)}`);
  if (googleStatus) {
    const allowed = [googleStatus].flat();
    assert.ok(allowed.includes(body.status), `error.status ${body.status}, expected ${allowed.join(' or ')}`);
  }
  assert.equal(error.message, `${status} ${body.message}`, 'the SDK surfaces the server message as "<code> <message>"');
  return error;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'incomplete', 'budget_exceeded', 'requires_action']);

/** Polls ai.interactions.get(id) until a terminal status (§4.1); returns { final, seen }. */
export async function pollUntilDone(ai, id, { intervalMs = 100, timeoutMs = 20000 } = {}) {
  const seen = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await ai.interactions.get(id);
    seen.push(result.status);
    if (TERMINAL.has(result.status)) return { final: result, seen };
    if (Date.now() > deadline) {
      assert.fail(`interaction ${id} still '${result.status}' after ${timeoutMs} ms (statuses seen: ${seen.join(', ')})`);
    }
    await sleep(intervalMs);
  }
}

/** A fetch wrapper that records every request's method, URL, JSON body and response status. */
export function recordingFetch() {
  const calls = [];
  const fetchFn = async (input, init) => {
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    const url = input instanceof Request ? input.url : String(input);
    let body;
    if (input instanceof Request && init == null) {
      const text = await input.clone().text();
      body = text ? JSON.parse(text) : undefined;
    } else if (typeof init?.body === 'string' && init.body) {
      body = JSON.parse(init.body);
    }
    const response = await (init == null ? fetch(input) : fetch(input, init));
    calls.push({ method, url, body, status: response.status });
    return response;
  };
  return { fetch: fetchFn, calls };
}

const MEDIA_DELTAS = new Set(['image', 'audio', 'video', 'document']);

/**
 * Rebuilds the steps of a stream from step.start + step.delta events with the merge rules of the
 * reference (§6.3). `steps` is the result of assertStreamShape. Returns plain step objects.
 */
export function reconstructSteps(steps) {
  return steps.map(({ start, deltas }) => {
    const step = structuredClone(start.step);
    let args = null;
    const lastText = () => {
      step.content ??= [];
      let block = step.content.at(-1);
      if (!block || block.type !== 'text') {
        block = { type: 'text', text: '' };
        step.content.push(block);
      }
      return block;
    };
    for (const { delta } of deltas) {
      const { type, ...fields } = delta;
      if (type === 'text') {
        lastText().text += delta.text;
      } else if (type === 'text_annotation_delta') {
        const block = lastText();
        block.annotations = [...(block.annotations ?? []), ...(delta.annotations ?? [])];
      } else if (type === 'thought_signature') {
        step.signature = delta.signature;
      } else if (type === 'thought_summary') {
        step.summary = [...(step.summary ?? []), delta.content];
      } else if (type === 'arguments_delta') {
        args = (args ?? '') + delta.arguments;
      } else if (MEDIA_DELTAS.has(type)) {
        step.content ??= [];
        step.content.push(structuredClone(delta));
      } else {
        Object.assign(step, structuredClone(fields));
      }
    }
    if (args !== null) step.arguments = JSON.parse(args);
    return step;
  });
}

/** Validates `value` against the JSON-Schema subset used by the tests; returns a list of problems. */
export function schemaProblems(schema, value, path = '$') {
  const problems = [];
  const typeOk = {
    object: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
    array: Array.isArray,
    string: (v) => typeof v === 'string',
    integer: Number.isInteger,
    number: (v) => typeof v === 'number' && Number.isFinite(v),
    boolean: (v) => typeof v === 'boolean',
  };
  if (schema.type && !typeOk[schema.type](value)) {
    problems.push(`${path}: expected ${schema.type}, got ${JSON.stringify(value)}`);
    return problems;
  }
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (schema.type === 'object') {
    for (const key of schema.required ?? []) {
      if (!(key in value)) problems.push(`${path}: missing required '${key}'`);
    }
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      if (key in value) problems.push(...schemaProblems(sub, value[key], `${path}.${key}`));
    }
  }
  if (schema.type === 'array' && schema.items) {
    value.forEach((item, i) => problems.push(...schemaProblems(schema.items, item, `${path}[${i}]`)));
  }
  return problems;
}
