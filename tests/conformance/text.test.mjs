// Seed §2 (first call), §3 (streaming), §4 (multi-turn: stateful and stateless) with the official SDK.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MODEL,
  assertStreamShape,
  client,
  collect,
  emulatorUrl,
  expectApiError,
  reconstructSteps,
  streamedText,
  textOf,
} from './helpers.mjs';

const isoDate = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function assertUsage(usage, where) {
  assert.ok(usage && typeof usage === 'object', `${where}: usage present`);
  for (const field of ['total_tokens', 'total_input_tokens', 'total_output_tokens']) {
    assert.ok(Number.isInteger(usage[field]) && usage[field] > 0, `${where}: usage.${field} is a positive integer: ${JSON.stringify(usage)}`);
  }
  assert.ok(
    usage.total_tokens >= usage.total_input_tokens + usage.total_output_tokens,
    `${where}: total_tokens covers input + output: ${JSON.stringify(usage)}`,
  );
}

test('emulator answers GET /health with 200', async () => {
  const response = await fetch(`${emulatorUrl()}/health`);
  assert.equal(response.status, 200);
});

describe('seed §2: first call (create)', () => {
  for (const apiVersion of [undefined, 'v1beta']) {
    test(`create returns a completed interaction with output_text, thought + model_output steps and usage (${apiVersion ?? 'SDK default v1'})`, async () => {
      const ai = client({ apiVersion });
      const interaction = await ai.interactions.create({
        model: MODEL,
        input: 'Explain how AI works in a few words',
      });

      assert.equal(typeof interaction.id, 'string');
      assert.ok(interaction.id.length > 0, 'id is not empty');
      assert.equal(interaction.status, 'completed');
      assert.equal(interaction.object, 'interaction');
      assert.equal(interaction.model, MODEL);
      assert.match(String(interaction.created), isoDate, 'created is an ISO-8601 timestamp');

      assert.ok(Array.isArray(interaction.steps), 'steps is an array');
      const types = interaction.steps.map((s) => s.type);
      assert.ok(!types.includes('user_input'), `POST returns only the generated steps, not the input: ${types}`);
      const thought = interaction.steps.find((s) => s.type === 'thought');
      assert.ok(thought, `a thought step is present: ${types}`);
      assert.equal(typeof thought.signature, 'string', 'the thought step carries a signature');
      assert.ok(thought.signature.length > 0);
      assert.equal(types.at(-1), 'model_output', `the last step is model_output: ${types}`);
      assert.ok(types.indexOf('thought') < types.lastIndexOf('model_output'), 'thought comes before model_output');

      const output = interaction.steps.at(-1);
      assert.ok(Array.isArray(output.content) && output.content.length > 0, 'model_output has content');
      assert.equal(output.content.at(-1).type, 'text');

      assert.equal(typeof interaction.output_text, 'string', 'the SDK derives output_text');
      assert.ok(interaction.output_text.trim().length > 0, 'output_text is not empty');
      assert.equal(interaction.output_text, textOf(output.content));

      assertUsage(interaction.usage, 'create');
    });
  }

  test('input as a single Content object (reference §3.1 form 2) is one user turn', async () => {
    const ai = client();
    const input = { type: 'text', text: 'Explain how AI works in a few words' };
    const interaction = await ai.interactions.create({ model: MODEL, input });
    assert.equal(interaction.status, 'completed');
    assert.equal(typeof interaction.output_text, 'string');
    const got = await ai.interactions.get(interaction.id);
    assert.equal(got.steps[0]?.type, 'user_input');
    assert.deepEqual(got.steps[0].content, [input]);
  });

  test('GET returns the stored interaction: full timeline starting with user_input, same output_text', async () => {
    const ai = client({ apiVersion: 'v1beta' });
    const input = 'Explain how AI works in a few words';
    const created = await ai.interactions.create({ model: MODEL, input });
    const got = await ai.interactions.get(created.id);

    assert.equal(got.id, created.id);
    assert.equal(got.status, 'completed');
    assert.equal(got.model, MODEL);
    assert.equal(got.steps[0]?.type, 'user_input', `GET timeline starts with user_input: ${got.steps.map((s) => s.type)}`);
    assert.ok(Array.isArray(got.steps[0].content), 'stored user_input content is a Content[]');
    assert.equal(textOf(got.steps[0].content), input);
    assert.deepEqual(got.steps.slice(1), created.steps, 'the generated steps are stored exactly as returned');
    assert.equal(got.output_text, created.output_text);
    assert.equal(got.input, undefined, 'input is not echoed without include_input');

    const withInput = await ai.interactions.get(created.id, { include_input: true });
    assert.deepEqual(withInput.input, input, 'include_input=true echoes the request input');
  });
});

test('the interaction echoes its request configuration (reference §4)', async () => {
  const ai = client({ apiVersion: 'v1beta' });
  const config = {
    system_instruction: 'You are a concise assistant.',
    generation_config: { max_output_tokens: 512, thinking_level: 'low' },
    labels: { team: 'conformance', purpose: 'echo' },
  };
  const created = await ai.interactions.create({ model: MODEL, input: 'Explain how AI works in a few words', ...config });
  assert.equal(created.status, 'completed');
  const got = await ai.interactions.get(created.id);
  for (const [field, value] of Object.entries(config)) {
    assert.deepEqual(created[field], value, `create echoes ${field}`);
    assert.deepEqual(got[field], value, `GET echoes ${field}`);
  }
});

describe('seed §3: streaming', () => {
  test('stream: created … step.start/delta/stop … completed, event_ids, text deltas == GET output_text', async () => {
    const ai = client();
    const stream = await ai.interactions.create({ model: MODEL, input: 'Explain how AI works', stream: true });
    const events = await collect(stream);
    const { created, completed, steps } = assertStreamShape(events);

    assert.equal(created.model, MODEL, 'interaction.created echoes the model');
    assert.ok(completed.usage && Number.isInteger(completed.usage.total_tokens), `interaction.completed carries usage.total_tokens: ${JSON.stringify(completed)}`);

    const types = steps.map((s) => s.start.step.type);
    assert.ok(types.includes('thought'), `a thought step is streamed: ${types}`);
    assert.equal(types.at(-1), 'model_output', `the last streamed step is model_output: ${types}`);
    const textDeltas = steps.at(-1).deltas.filter((d) => d.delta.type === 'text');
    assert.ok(textDeltas.length >= 1, 'model_output is streamed as text deltas');
    for (const d of textDeltas) assert.equal(typeof d.delta.text, 'string');

    const thoughtStep = steps.find((s) => s.start.step.type === 'thought');
    const signatureDelta = thoughtStep.deltas.find((d) => d.delta.type === 'thought_signature');
    const streamedSignature = signatureDelta?.delta.signature ?? thoughtStep.start.step.signature;
    assert.equal(typeof streamedSignature, 'string', 'the thought signature is streamed (thought_signature delta or step.start)');

    const text = streamedText(events);
    assert.ok(text.length > 0, 'streamed text is not empty');

    const got = await ai.interactions.get(created.id);
    assert.equal(got.status, 'completed');
    assert.equal(text, got.output_text, 'concatenated text deltas equal the stored output_text');
    assert.deepEqual(
      got.steps.filter((s) => s.type !== 'user_input').map((s) => s.type),
      types,
      'the stored steps are the streamed steps',
    );
    assert.equal(got.steps.find((s) => s.type === 'thought')?.signature, streamedSignature, 'streamed and stored thought signatures agree');
    assert.deepEqual(
      reconstructSteps(steps),
      got.steps.filter((s) => s.type !== 'user_input'),
      'steps rebuilt from step.start + deltas (reference §6.3) equal the stored steps',
    );
  });

  test('labels.emulator_chunks=4: the streamed text block arrives as exactly 4 text deltas', async () => {
    const ai = client();
    const events = await collect(
      await ai.interactions.create({ model: MODEL, input: 'Explain how AI works', stream: true, labels: { emulator_chunks: '4' } }),
    );
    const { created, steps } = assertStreamShape(events);
    const output = steps.find((s) => s.start.step.type === 'model_output');
    assert.equal(output.deltas.filter((d) => d.delta.type === 'text').length, 4);
    assert.equal(streamedText(events), (await ai.interactions.get(created.id)).output_text);
  });

  test('stream on v1beta with the seed REST sample\'s ?alt=sse is accepted and changes nothing', async () => {
    const ai = client({ apiVersion: 'v1beta' });
    const body = { model: MODEL, input: 'Explain how AI works', stream: true };
    const plain = await collect(await ai.interactions.create(body));
    const withAlt = await collect(await ai.interactions.create(body, { query: { alt: 'sse' } }));
    assertStreamShape(plain);
    assertStreamShape(withAlt);
    assert.deepEqual(withAlt.map((e) => e.event_type), plain.map((e) => e.event_type));
    assert.equal(streamedText(withAlt), streamedText(plain));
  });
});

describe('seed §4: multi-turn conversations', () => {
  test('stateful: previous_interaction_id chains turns (new id, echo, only new steps)', async () => {
    const ai = client();
    const interaction1 = await ai.interactions.create({ model: MODEL, input: 'I have 2 dogs in my house.' });
    assert.equal(interaction1.status, 'completed');
    assert.equal(typeof interaction1.output_text, 'string');

    const interaction2 = await ai.interactions.create({
      model: MODEL,
      input: 'How many paws are in my house?',
      previous_interaction_id: interaction1.id,
    });
    assert.equal(interaction2.status, 'completed');
    assert.notEqual(interaction2.id, interaction1.id, 'each turn gets a new id');
    assert.equal(interaction2.previous_interaction_id, interaction1.id, 'previous_interaction_id is echoed');
    assert.equal(typeof interaction2.output_text, 'string');
    assert.match(interaction2.output_text, /\b8\b/, `the server kept turn 1 (2 dogs → 8 paws, as in the seed): ${interaction2.output_text}`);
    const types = interaction2.steps.map((s) => s.type);
    assert.ok(!types.includes('user_input'), `POST returns only the new steps: ${types}`);
    const oldSignature = interaction1.steps.find((s) => s.type === 'thought')?.signature;
    if (oldSignature) {
      assert.ok(!interaction2.steps.some((s) => s.signature === oldSignature), 'turn 1 steps are not repeated in turn 2');
    }

    const got = await ai.interactions.get(interaction2.id);
    assert.equal(got.previous_interaction_id, interaction1.id);
    assert.equal(got.output_text, interaction2.output_text);
  });

  test('stateless (store:false): the seed JS loop resends interaction.steps verbatim, thought signatures included', async () => {
    const ai = client();
    const history = [{ type: 'user_input', content: [{ type: 'text', text: 'I have 2 dogs in my house.' }] }];

    const interaction1 = await ai.interactions.create({ model: MODEL, store: false, input: history });
    assert.equal(interaction1.status, 'completed');
    const response1 = interaction1.steps.at(-1).content[0].text;
    assert.equal(typeof response1, 'string', 'seed reads interaction1.steps.at(-1).content[0].text');
    assert.ok(interaction1.steps.some((s) => s.type === 'thought' && typeof s.signature === 'string'), 'turn 1 returns a signed thought step');

    history.push(...interaction1.steps);
    history.push({ type: 'user_input', content: [{ type: 'text', text: 'How many paws are in my house?' }] });

    const interaction2 = await ai.interactions.create({ model: MODEL, store: false, input: history });
    assert.equal(interaction2.status, 'completed');
    assert.notEqual(interaction2.id, interaction1.id);
    const response2 = interaction2.steps.at(-1).content[0].text;
    assert.equal(typeof response2, 'string');
    assert.match(response2, /\b8\b/, `the resent history is used (2 dogs → 8 paws, as in the seed): ${response2}`);
    assert.ok(!interaction2.steps.some((s) => s.type === 'user_input'), 'the response holds only the new steps');
    assert.equal(interaction2.output_text, textOf(interaction2.steps.at(-1).content));
  });

  test('stateless REST form: user_input content as a plain string is accepted', async () => {
    const ai = client({ apiVersion: 'v1beta' });
    const first = [{ type: 'user_input', content: 'I have 2 dogs in my house.' }];
    const interaction1 = await ai.interactions.create({ model: MODEL, store: false, input: first });
    assert.equal(interaction1.status, 'completed');
    const history = [...first, ...interaction1.steps, { type: 'user_input', content: 'How many paws are in my house?' }];
    const interaction2 = await ai.interactions.create({ model: MODEL, store: false, input: history });
    assert.equal(interaction2.status, 'completed');
    assert.match(interaction2.output_text ?? '', /\b8\b/, `the resent history is used: ${interaction2.output_text}`);
  });

  test('stateless: a tampered thought signature is rejected with 400 BadRequestError', async () => {
    const ai = client();
    const history = [{ type: 'user_input', content: [{ type: 'text', text: 'I have 2 dogs in my house.' }] }];
    const interaction1 = await ai.interactions.create({ model: MODEL, store: false, input: history });
    const steps = structuredClone(interaction1.steps);
    const thought = steps.find((s) => s.type === 'thought' && typeof s.signature === 'string' && s.signature.length > 0);
    assert.ok(thought, `a signed thought step to tamper with: ${JSON.stringify(interaction1.steps)}`);
    const original = thought.signature;
    thought.signature = (original[0] === 'A' ? 'B' : 'A') + original.slice(1);
    assert.notEqual(thought.signature, original);

    const tampered = [...history, ...steps, { type: 'user_input', content: [{ type: 'text', text: 'How many paws are in my house?' }] }];
    await expectApiError(() => ai.interactions.create({ model: MODEL, store: false, input: tampered }), {
      name: 'BadRequestError',
      status: 400,
      googleStatus: 'INVALID_ARGUMENT',
    });
  });

  test('store:false interactions cannot be fetched, resumed or chained to (404 NotFoundError)', async () => {
    const ai = client();
    const interaction = await ai.interactions.create({ model: MODEL, store: false, input: 'I have 2 dogs in my house.' });
    assert.equal(interaction.status, 'completed');
    await expectApiError(() => ai.interactions.get(interaction.id), { name: 'NotFoundError', status: 404, googleStatus: 'NOT_FOUND' });
    await expectApiError(async () => collect(await ai.interactions.get(interaction.id, { stream: true, last_event_id: 'evt_1' })), {
      name: 'NotFoundError',
      status: 404,
      googleStatus: 'NOT_FOUND',
    });
    await expectApiError(
      () =>
        ai.interactions.create({
          model: MODEL,
          input: 'How many paws are in my house?',
          previous_interaction_id: interaction.id,
        }),
      { name: 'NotFoundError', status: 404, googleStatus: 'NOT_FOUND' },
    );
  });
});
