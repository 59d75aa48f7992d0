// Seed §11 (background + polling), cancel, delete, stream resume (reference §6.5), errors and
// retries (reference §11) with the emulator's fault labels (DESIGN "Emulator control").
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MODEL,
  assertStreamShape,
  client,
  collect,
  expectApiError,
  nonce,
  pollUntilDone,
  recordingFetch,
  sleep,
  streamedText,
} from './helpers.mjs';

const ANALYSIS = 'Write a detailed analysis of the impact of artificial intelligence on modern healthcare.';

/** The first `code` (e.g. ECONNRESET) along an error's cause chain. */
function causeCode(error) {
  for (let e = error; e; e = e.cause) if (typeof e.code === 'string') return e.code;
  return 'no code';
}

/** The parts of an event a resuming client relies on. */
const projection = (e) => ({ event_type: e.event_type, event_id: e.event_id, index: e.index, delta: e.delta, step: e.step });

describe('seed §11: background execution', () => {
  test('background:true returns in_progress at once; polling get() reaches completed with output_text', async () => {
    const ai = client();
    const interaction = await ai.interactions.create({
      model: MODEL,
      input: ANALYSIS,
      background: true,
      labels: { emulator_background_ms: '600' },
    });
    assert.equal(typeof interaction.id, 'string');
    assert.ok(['in_progress', 'queued'].includes(interaction.status), `background create answers at once: ${interaction.status}`);
    assert.ok(!interaction.steps.some((s) => s.type === 'model_output'), 'no output yet');
    assert.equal(interaction.output_text, undefined);

    const { final, seen } = await pollUntilDone(ai, interaction.id, { intervalMs: 100 });
    assert.equal(final.status, 'completed', `statuses seen while polling: ${seen.join(', ')}`);
    assert.ok(seen.slice(0, -1).every((s) => s === 'in_progress' || s === 'queued'), `non-terminal statuses before completion: ${seen}`);
    assert.equal(typeof final.output_text, 'string');
    assert.ok(final.output_text.length > 0, 'the result has output_text');
    assert.equal(final.steps[0]?.type, 'user_input', 'GET returns the full timeline');
    assert.ok(Number.isInteger(final.usage?.total_tokens), 'usage after completion');
  });

  test('a background run that fails (emulator_fault failed) is reported by polling: status failed with errors[]', async () => {
    const ai = client();
    const interaction = await ai.interactions.create({
      model: MODEL,
      input: ANALYSIS,
      background: true,
      labels: { emulator_background_ms: '200', emulator_fault: 'failed' },
    });
    assert.ok(['in_progress', 'queued'].includes(interaction.status));
    const { final } = await pollUntilDone(ai, interaction.id);
    assert.equal(final.status, 'failed');
    assert.ok(Array.isArray(final.errors) && final.errors.length > 0, `failed interactions carry errors[]: ${JSON.stringify(final)}`);
    for (const e of final.errors) {
      assert.equal(typeof e.message, 'string', `errors[].message: ${JSON.stringify(e)}`);
      assert.ok(e.message.length > 0);
    }
  });

  test('background run on v1beta: cancel while running → cancelled, and it stays cancelled', async () => {
    const ai = client({ apiVersion: 'v1beta' });
    const interaction = await ai.interactions.create({
      model: MODEL,
      input: ANALYSIS,
      background: true,
      labels: { emulator_background_ms: '30000' },
    });
    assert.ok(['in_progress', 'queued'].includes(interaction.status));

    const cancelled = await ai.interactions.cancel(interaction.id);
    assert.equal(cancelled.id, interaction.id);
    assert.equal(cancelled.status, 'cancelled');

    assert.equal((await ai.interactions.get(interaction.id)).status, 'cancelled');
    await sleep(300);
    assert.equal((await ai.interactions.get(interaction.id)).status, 'cancelled', 'a cancelled run does not complete later');
  });

  test('cancelling a streamed background run ends its stream with interaction.completed status cancelled', async () => {
    const ai = client();
    const stream = await ai.interactions.create({
      model: MODEL,
      input: ANALYSIS,
      background: true,
      stream: true,
      labels: { emulator_background_ms: '30000' },
    });
    const events = [];
    let cancelled;
    for await (const event of stream) {
      events.push(event);
      if (events.length === 1) {
        assert.equal(event.event_type, 'interaction.created');
        cancelled = ai.interactions.cancel(event.interaction.id);
      }
    }
    assert.equal((await cancelled).status, 'cancelled');
    const { created } = assertStreamShape(events, { finalStatus: 'cancelled' });
    assert.equal((await ai.interactions.get(created.id)).status, 'cancelled');
  });

  test('cancel of a finished interaction → 400 BadRequestError FAILED_PRECONDITION (not a retried 409)', async () => {
    const ai = client();
    const done = await ai.interactions.create({ model: MODEL, input: 'Explain how AI works in a few words' });
    assert.equal(done.status, 'completed');
    await expectApiError(() => ai.interactions.cancel(done.id, {}, { maxRetries: 0 }), {
      name: 'BadRequestError',
      status: 400,
      googleStatus: 'FAILED_PRECONDITION',
    });
    assert.equal((await ai.interactions.get(done.id)).status, 'completed');
  });
});

describe('interaction-level failure (reference §11)', () => {
  test('a failing streamed run: an error event, then interaction.completed with status failed; GET shows errors[]', async () => {
    const ai = client();
    const events = await collect(
      await ai.interactions.create({ model: MODEL, input: 'Explain how AI works', stream: true, labels: { emulator_fault: 'failed' } }),
    );
    const { created } = assertStreamShape(events, { finalStatus: 'failed', allowError: true });
    const errorEvent = events.find((e) => e.event_type === 'error');
    assert.ok(errorEvent, `an error event is streamed: ${events.map((e) => e.event_type)}`);
    assert.equal(typeof errorEvent.error?.message, 'string', `error.message: ${JSON.stringify(errorEvent)}`);
    if (errorEvent.error.code !== undefined) assert.equal(typeof errorEvent.error.code, 'string', 'error event code is a string (§6.2)');
    const got = await ai.interactions.get(created.id);
    assert.equal(got.status, 'failed');
    assert.ok(Array.isArray(got.errors) && got.errors.length > 0, `errors[]: ${JSON.stringify(got)}`);
  });

  test('a failing unary run answers HTTP 200 with status failed and errors[]', async () => {
    const ai = client({ apiVersion: 'v1beta' });
    const interaction = await ai.interactions.create({ model: MODEL, input: 'Explain how AI works', labels: { emulator_fault: 'failed' } });
    assert.equal(interaction.status, 'failed');
    assert.ok(Array.isArray(interaction.errors) && interaction.errors.length > 0, `errors[]: ${JSON.stringify(interaction)}`);
    assert.equal(typeof interaction.errors[0].message, 'string');
  });
});

describe('automatic continuation (reference §7)', () => {
  test('unary: the SDK follows requires_continuation hops by itself and merges them', async () => {
    const recorder = recordingFetch();
    const ai = client({ fetch: recorder.fetch });
    const interaction = await ai.interactions.create({
      model: MODEL,
      input: ANALYSIS,
      labels: { emulator_continuation_hops: '2' },
    });
    assert.equal(interaction.status, 'completed');
    assert.equal(recorder.calls.length, 3, `one create per hop: ${JSON.stringify(recorder.calls.map((c) => c.status))}`);
    assert.ok(recorder.calls.every((c) => c.status === 200));
    for (const [i, call] of recorder.calls.slice(1).entries()) {
      assert.equal(typeof call.body.continuation_token, 'string', 'the SDK resends the continuation_token');
      assert.equal(call.body.input, undefined, 'stored hops are resumed without input');
      assert.equal(call.body.previous_interaction_id, interaction.continuation_ids[i], 'each hop chains to the previous one');
    }
    assert.ok(Array.isArray(interaction.continuation_ids) && interaction.continuation_ids.length === 3, `continuation_ids: ${interaction.continuation_ids}`);
    assert.equal(new Set(interaction.continuation_ids).size, 3, 'every hop has its own id');
    assert.equal(typeof interaction.output_text, 'string');
    assert.ok(interaction.output_text.length > 0);
    const outputs = interaction.steps.filter((s) => s.type === 'model_output');
    assert.equal(outputs.length, 3, `merged steps hold one model_output per hop: ${interaction.steps.map((s) => s.type)}`);
  });

  test('stream: every hop streams its events; intermediate interaction.completed has status requires_continuation', async () => {
    const ai = client();
    const events = await collect(
      await ai.interactions.create({ model: MODEL, input: ANALYSIS, stream: true, labels: { emulator_continuation_hops: '1' } }),
    );
    const starts = events.flatMap((e, i) => (e.event_type === 'interaction.created' ? [i] : []));
    assert.equal(starts.length, 2, `two hops: ${events.map((e) => e.event_type)}`);
    const first = assertStreamShape(events.slice(0, starts[1]), { finalStatus: 'requires_continuation' });
    assert.equal(typeof first.completed.continuation_token, 'string', 'the hop boundary carries a continuation_token');
    const second = assertStreamShape(events.slice(starts[1]), { finalStatus: 'completed' });
    assert.notEqual(second.created.id, first.created.id);
    assert.ok(streamedText(events.slice(starts[1])).length > 0, 'the second hop streams more text');
  });
});

describe('delete', () => {
  test('delete then get → 404 NotFoundError', async () => {
    const ai = client();
    const interaction = await ai.interactions.create({ model: MODEL, input: 'Explain how AI works in a few words' });
    await ai.interactions.get(interaction.id);
    await ai.interactions.delete(interaction.id);
    await expectApiError(() => ai.interactions.get(interaction.id), { name: 'NotFoundError', status: 404, googleStatus: 'NOT_FOUND' });
  });
});

describe('stream resume (get with stream:true and last_event_id)', () => {
  test('resuming a finished stream yields exactly the events after last_event_id', async () => {
    const ai = client();
    const events = await collect(
      await ai.interactions.create({
        model: MODEL,
        input: 'Explain how AI works',
        stream: true,
        labels: { emulator_chunks: '6' },
      }),
    );
    const { created } = assertStreamShape(events);
    const k = events.findIndex((e) => e.event_type === 'step.delta' && e.delta.type === 'text');
    assert.ok(k > 0, 'the stream has a text delta to resume after');

    const resumed = await collect(await ai.interactions.get(created.id, { stream: true, last_event_id: events[k].event_id }));
    assert.deepEqual(resumed.map(projection), events.slice(k + 1).map(projection), 'resume replays only the later events');
    assert.equal(streamedText(events.slice(0, k + 1)) + streamedText(resumed), streamedText(events));

    const replay = await collect(await ai.interactions.get(created.id, { stream: true }));
    assert.deepEqual(replay.map(projection), events.map(projection), 'without last_event_id the whole stream is replayed');

    const fromLast = await collect(await ai.interactions.get(created.id, { stream: true, last_event_id: events.at(-2).event_id }));
    assert.deepEqual(fromLast.map(projection), [projection(events.at(-1))], 'resume after the second-to-last event yields only interaction.completed');
  });

  test('a background run (no stream) can be followed live with get(id, {stream:true}) until interaction.completed', async () => {
    const ai = client({ apiVersion: 'v1beta' });
    const interaction = await ai.interactions.create({
      model: MODEL,
      input: ANALYSIS,
      background: true,
      labels: { emulator_background_ms: '300', emulator_chunk_delay_ms: '20' },
    });
    assert.ok(['in_progress', 'queued'].includes(interaction.status));
    const events = await collect(await ai.interactions.get(interaction.id, { stream: true }));
    const { created } = assertStreamShape(events);
    assert.equal(created.id, interaction.id);
    const final = await ai.interactions.get(interaction.id);
    assert.equal(final.status, 'completed', 'the stream ended with the run');
    assert.equal(streamedText(events), final.output_text);
  });

  test('a live background stream, interrupted and resumed with last_event_id, delivers the rest exactly once', async () => {
    const ai = client();
    const stream = await ai.interactions.create({
      model: MODEL,
      input: ANALYSIS,
      background: true,
      stream: true,
      labels: { emulator_chunks: '8', emulator_chunk_delay_ms: '80' },
    });
    const seen = [];
    for await (const event of stream) {
      seen.push(event);
      if (event.event_type === 'step.delta' && event.delta.type === 'text') break; // drop the connection
    }
    assert.equal(seen[0]?.event_type, 'interaction.created');
    assert.equal(seen.at(-1).event_type, 'step.delta', 'a text delta arrived before the interruption');
    const id = seen[0].interaction.id;

    const rest = await collect(await ai.interactions.get(id, { stream: true, last_event_id: seen.at(-1).event_id }));
    const all = [...seen, ...rest];
    assertStreamShape(all); // also checks that no event_id repeats
    const { final } = await pollUntilDone(ai, id);
    assert.equal(final.status, 'completed');
    assert.equal(streamedText(all), final.output_text, 'first part + resumed part == stored output_text');
  });
});

describe('errors and retries', () => {
  test('400 BadRequestError carries the emulator\'s message (neither model nor agent)', async () => {
    const ai = client();
    const error = await expectApiError(() => ai.interactions.create({ input: 'hello' }), {
      name: 'BadRequestError',
      status: 400,
      googleStatus: 'INVALID_ARGUMENT',
    });
    assert.ok(error.error.error.message.length > 3, `a helpful message: ${error.message}`);
  });

  test('400 BadRequestError when both model and agent are given', async () => {
    const ai = client({ apiVersion: 'v1beta' });
    await expectApiError(() => ai.interactions.create({ model: MODEL, agent: 'antigravity-preview-05-2026', input: 'hello' }), {
      name: 'BadRequestError',
      status: 400,
      googleStatus: 'INVALID_ARGUMENT',
    });
  });

  test('400 BadRequestError for background:true with store:false (background runs must be stored)', async () => {
    const ai = client();
    await expectApiError(() => ai.interactions.create({ model: MODEL, input: ANALYSIS, background: true, store: false }), {
      name: 'BadRequestError',
      status: 400,
      googleStatus: 'INVALID_ARGUMENT',
    });
  });

  test('404 NotFoundError for an unknown id (get, cancel, stream get)', async () => {
    const ai = client();
    const id = `v1_unknown_${nonce()}`;
    const error = await expectApiError(() => ai.interactions.get(id), { name: 'NotFoundError', status: 404, googleStatus: 'NOT_FOUND' });
    assert.match(error.message, /^404 /);
    await expectApiError(() => ai.interactions.cancel(id), { name: 'NotFoundError', status: 404, googleStatus: 'NOT_FOUND' });
    await expectApiError(async () => collect(await ai.interactions.get(id, { stream: true })), {
      name: 'NotFoundError',
      status: 404,
      googleStatus: 'NOT_FOUND',
    });
  });

  test('429 rate_limit without retries → RateLimitError RESOURCE_EXHAUSTED', async () => {
    const ai = client();
    await expectApiError(
      () =>
        ai.interactions.create(
          { model: MODEL, input: 'hello', labels: { emulator_fault: 'rate_limit', emulator_fault_count: '1', test_nonce: nonce() } },
          { maxRetries: 0 },
        ),
      { name: 'RateLimitError', status: 429, googleStatus: 'RESOURCE_EXHAUSTED' },
    );
  });

  test('429 once (emulator_fault_count 1): the SDK\'s own retry succeeds', async () => {
    const recorder = recordingFetch();
    const ai = client({ fetch: recorder.fetch });
    const interaction = await ai.interactions.create({
      model: MODEL,
      input: 'Explain how AI works in a few words',
      labels: { emulator_fault: 'rate_limit', emulator_fault_count: '1', test_nonce: nonce() },
    });
    assert.equal(interaction.status, 'completed');
    assert.equal(typeof interaction.output_text, 'string');
    assert.deepEqual(recorder.calls.map((c) => `${c.method} ${c.status}`), ['POST 429', 'POST 200'], 'one 429, one retry');
  });

  test('5xx once (server_error): the SDK\'s retry succeeds, also for a stream', async () => {
    const recorder = recordingFetch();
    const ai = client({ fetch: recorder.fetch });
    const unary = await ai.interactions.create({
      model: MODEL,
      input: 'Explain how AI works in a few words',
      labels: { emulator_fault: 'server_error', emulator_fault_count: '1', test_nonce: nonce() },
    });
    assert.equal(unary.status, 'completed');
    assert.equal(recorder.calls.length, 2);
    assert.ok(recorder.calls[0].status >= 500 && recorder.calls[0].status <= 599, `first attempt 5xx: ${JSON.stringify(recorder.calls)}`);
    assert.equal(recorder.calls[1].status, 200);

    recorder.calls.length = 0;
    const events = await collect(
      await ai.interactions.create({
        model: MODEL,
        input: 'Explain how AI works',
        stream: true,
        labels: { emulator_fault: 'server_error', emulator_fault_count: '1', test_nonce: nonce() },
      }),
    );
    assertStreamShape(events);
    assert.equal(recorder.calls.length, 2, `a failed attempt then the stream: ${JSON.stringify(recorder.calls)}`);
  });

  test('cut_stream after N events: the SDK yields those events, then throws APIConnectionError', async () => {
    const ai = client();
    const seen = [];
    let stream;
    let error;
    try {
      // maxRetries 0: a cut before any response would otherwise be retried (and re-create) 4 times.
      stream = await ai.interactions.create(
        {
          model: MODEL,
          input: 'Explain how AI works',
          stream: true,
          labels: { emulator_fault: 'cut_stream', emulator_fault_after: '3', emulator_chunks: '6', test_nonce: nonce() },
        },
        { maxRetries: 0 },
      );
      for await (const event of stream) seen.push(event);
    } catch (e) {
      error = e;
    }
    assert.ok(stream, `an SSE response (status line, headers, events) arrives before the cut; got ${error?.name}: ${error?.message} (${causeCode(error)})`);
    assert.equal(seen.length, 3, `three events before the cut: ${seen.map((e) => e.event_type)}`);
    assert.ok(error, 'the cut surfaces as an error, not as a normal end');
    assert.equal(error.name, 'APIConnectionError', `${error.name}: ${error.message}`);
  });
});
