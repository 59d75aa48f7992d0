// Seed §5 (multimodal input), §6 (image generation), §7 (structured output), §8 (google_search).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import {
  IMAGE_MODEL,
  MODEL,
  assertStreamShape,
  client,
  collect,
  expectApiError,
  reconstructSteps,
  schemaProblems,
  streamedText,
  textOf,
} from './helpers.mjs';

// A valid 1x1 PNG (stands in for the seed's sample.jpg).
const SAMPLE_PNG_B64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const SAMPLE_AUDIO_URI = 'https://storage.googleapis.com/generativeai-downloads/data/sample.mp3';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Asserts that base64 `data` is a structurally valid PNG (signature, IHDR first, IDAT, IEND last, CRCs). */
function assertPng(data, where) {
  assert.equal(typeof data, 'string', `${where}: image data is a base64 string`);
  assert.match(data, /^[A-Za-z0-9+/]+={0,2}$/, `${where}: image data is standard base64`);
  const bytes = Buffer.from(data, 'base64');
  assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${where}: data starts with the PNG signature, got ${bytes.subarray(0, 8).toString('hex')}`);
  const chunks = [];
  let offset = 8;
  while (offset < bytes.length) {
    assert.ok(offset + 12 <= bytes.length, `${where}: truncated PNG chunk at byte ${offset}`);
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    assert.ok(offset + 12 + length <= bytes.length, `${where}: PNG chunk ${type} overruns the data`);
    const crc = bytes.readUInt32BE(offset + 8 + length);
    assert.equal(crc32(bytes.subarray(offset + 4, offset + 8 + length)), crc, `${where}: CRC of PNG chunk ${type}`);
    chunks.push({ type, data: bytes.subarray(offset + 8, offset + 8 + length) });
    offset += 12 + length;
  }
  assert.equal(chunks[0]?.type, 'IHDR', `${where}: first PNG chunk is IHDR`);
  assert.ok(chunks[0].data.readUInt32BE(0) > 0 && chunks[0].data.readUInt32BE(4) > 0, `${where}: width and height > 0`);
  assert.ok(chunks.some((c) => c.type === 'IDAT'), `${where}: PNG has image data (IDAT)`);
  assert.equal(chunks.at(-1).type, 'IEND', `${where}: last PNG chunk is IEND`);
}

/** Checks url_citation annotations of a text block: byte offsets (end exclusive) inside the UTF-8 text. */
function assertCitations(block, where) {
  const annotations = block.annotations ?? [];
  const citations = annotations.filter((a) => a.type === 'url_citation');
  assert.ok(citations.length > 0, `${where}: the text carries url_citation annotations: ${JSON.stringify(block)}`);
  const bytes = Buffer.from(block.text, 'utf8');
  const strict = new TextDecoder('utf-8', { fatal: true });
  for (const c of citations) {
    assert.doesNotThrow(() => new URL(c.url), `${where}: citation url is a URL: ${c.url}`);
    assert.match(c.url, /^https?:\/\//);
    assert.equal(typeof c.title, 'string', `${where}: citation title`);
    assert.ok(Number.isInteger(c.start_index) && Number.isInteger(c.end_index), `${where}: integer indexes: ${JSON.stringify(c)}`);
    assert.ok(
      c.start_index >= 0 && c.start_index < c.end_index && c.end_index <= bytes.length,
      `${where}: 0 <= start_index < end_index <= UTF-8 byte length (${bytes.length}): ${JSON.stringify(c)}`,
    );
    let segment;
    assert.doesNotThrow(
      () => (segment = strict.decode(bytes.subarray(c.start_index, c.end_index))),
      `${where}: the cited byte range falls on UTF-8 character boundaries: ${JSON.stringify(c)} in ${JSON.stringify(block.text)}`,
    );
    assert.ok(segment.trim().length > 0, `${where}: the cited segment is not blank: ${JSON.stringify(segment)}`);
  }
  return citations;
}

describe('seed §5: multimodal input', () => {
  test('text + inline base64 image + audio uri (with the seed REST sample\'s Api-Revision header): the answer mentions both', async () => {
    const ai = client({ apiVersion: 'v1beta', headers: { 'Api-Revision': '2026-05-20' } });
    const input = [
      { type: 'text', text: 'Compare this local image and this remote audio file.' },
      { type: 'image', data: SAMPLE_PNG_B64, mime_type: 'image/png' },
      { type: 'audio', uri: SAMPLE_AUDIO_URI, mime_type: 'audio/mp3' },
    ];
    const interaction = await ai.interactions.create({ model: MODEL, input });
    assert.equal(interaction.status, 'completed');
    assert.equal(typeof interaction.output_text, 'string');
    assert.match(interaction.output_text, /image/i, `the answer mentions the image: ${interaction.output_text}`);
    assert.match(interaction.output_text, /audio/i, `the answer mentions the audio: ${interaction.output_text}`);
    assert.ok(Number.isInteger(interaction.usage?.total_tokens), 'usage.total_tokens');

    const got = await ai.interactions.get(interaction.id);
    assert.equal(got.steps[0]?.type, 'user_input');
    assert.deepEqual(got.steps[0].content, input, 'the stored user_input keeps the blocks (inline data intact)');
  });

  test('video uri and inline document blocks are accepted', async () => {
    const ai = client();
    const interaction = await ai.interactions.create({
      model: MODEL,
      input: [
        { type: 'text', text: 'Summarize this video and this document.' },
        { type: 'video', uri: 'https://example.com/sample.mp4', mime_type: 'video/mp4' },
        { type: 'document', data: Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64'), mime_type: 'application/pdf' },
      ],
    });
    assert.equal(interaction.status, 'completed');
    assert.equal(typeof interaction.output_text, 'string');
    assert.ok(interaction.output_text.length > 0);
  });
});

describe('seed §6: image generation', () => {
  test('gemini-3.1-flash-image: output_image is a base64 PNG (JS sample)', async () => {
    const ai = client();
    const interaction = await ai.interactions.create({
      model: IMAGE_MODEL,
      input: 'Generate an image of a futuristic city skyline at sunset',
    });
    assert.equal(interaction.status, 'completed');
    assert.equal(interaction.model, IMAGE_MODEL);
    const generatedImage = interaction.output_image;
    assert.ok(generatedImage, `output_image present; steps: ${JSON.stringify(interaction.steps.map((s) => s.type))}`);
    assert.equal(generatedImage.type, 'image');
    assert.equal(generatedImage.mime_type, 'image/png');
    assertPng(generatedImage.data, 'output_image');

    const output = interaction.steps.filter((s) => s.type === 'model_output').at(-1);
    assert.ok(output?.content.some((c) => c.type === 'image' && c.data === generatedImage.data), 'the image block is in a model_output step');
  });

  test('REST form: input as a list with one text block also yields the PNG', async () => {
    const ai = client({ apiVersion: 'v1beta' });
    const interaction = await ai.interactions.create({
      model: IMAGE_MODEL,
      input: [{ type: 'text', text: 'Generate an image of a futuristic city skyline at sunset' }],
    });
    assert.equal(interaction.status, 'completed');
    assert.equal(interaction.output_image?.mime_type, 'image/png');
    assertPng(interaction.output_image?.data, 'output_image');
  });

  test('streamed image: an image delta carries the same PNG as the stored interaction', async () => {
    const ai = client();
    const events = await collect(
      await ai.interactions.create({ model: IMAGE_MODEL, input: 'Generate an image of a futuristic city skyline at sunset', stream: true }),
    );
    const { created, steps } = assertStreamShape(events);
    const rebuilt = reconstructSteps(steps);
    const images = rebuilt.flatMap((s) => (s.type === 'model_output' ? s.content ?? [] : [])).filter((c) => c.type === 'image');
    assert.ok(images.length > 0, `the stream delivers an image block: ${JSON.stringify(events.map((e) => e.delta?.type ?? e.event_type))}`);
    assertPng(images.at(-1).data, 'streamed image');

    const got = await ai.interactions.get(created.id);
    assert.equal(got.output_image?.data, images.at(-1).data, 'streamed and stored images are identical');
    assert.deepEqual(rebuilt, got.steps.filter((s) => s.type !== 'user_input'), 'rebuilt steps equal the stored steps');
  });
});

describe('seed §7: structured output', () => {
  const recipeJsonSchema = {
    type: 'object',
    properties: {
      recipe_name: { type: 'string', description: 'Name of the recipe.' },
      ingredients: { type: 'array', items: { type: 'string' }, description: 'List of ingredients.' },
      prep_time_minutes: { type: 'integer', description: 'Prep time in minutes.' },
    },
    required: ['recipe_name', 'ingredients'],
  };

  test('response_format with the seed recipe schema: output_text parses as JSON with the required fields', async () => {
    const ai = client();
    const interaction = await ai.interactions.create({
      model: MODEL,
      input: 'Give me a recipe for banana bread',
      response_format: { type: 'text', mime_type: 'application/json', schema: recipeJsonSchema },
    });
    assert.equal(interaction.status, 'completed');
    let recipe;
    assert.doesNotThrow(() => (recipe = JSON.parse(interaction.output_text)), `output_text is JSON: ${interaction.output_text}`);
    assert.deepEqual(schemaProblems(recipeJsonSchema, recipe), [], `the JSON matches the schema: ${interaction.output_text}`);
    assert.ok(recipe.recipe_name.length > 0);
    assert.ok(recipe.ingredients.length > 0, 'at least one ingredient');
  });

  test('another schema (number, boolean, enum, nested array of objects) is honoured too', async () => {
    const schema = {
      type: 'object',
      properties: {
        city: { type: 'string' },
        temperature: { type: 'number' },
        sunny: { type: 'boolean' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        forecast: {
          type: 'array',
          items: { type: 'object', properties: { day: { type: 'string' }, high: { type: 'integer' } }, required: ['day', 'high'] },
        },
      },
      required: ['city', 'temperature', 'sunny', 'unit', 'forecast'],
    };
    const ai = client({ apiVersion: 'v1beta' });
    const interaction = await ai.interactions.create({
      model: MODEL,
      input: 'Weather in London as JSON',
      response_format: { type: 'text', mime_type: 'application/json', schema },
    });
    assert.equal(interaction.status, 'completed');
    let value;
    assert.doesNotThrow(() => (value = JSON.parse(interaction.output_text)), `output_text is JSON: ${interaction.output_text}`);
    assert.deepEqual(schemaProblems(schema, value), [], `the JSON matches the schema: ${interaction.output_text}`);
  });

  test('streamed structured output: the concatenated text deltas are the whole JSON document', async () => {
    const ai = client();
    const events = await collect(
      await ai.interactions.create({
        model: MODEL,
        input: 'Give me a recipe for banana bread',
        response_format: { type: 'text', mime_type: 'application/json', schema: recipeJsonSchema },
        stream: true,
      }),
    );
    const { created } = assertStreamShape(events);
    const text = streamedText(events);
    let recipe;
    assert.doesNotThrow(() => (recipe = JSON.parse(text)), `streamed text is JSON: ${text}`);
    assert.deepEqual(schemaProblems(recipeJsonSchema, recipe), []);
    const got = await ai.interactions.get(created.id);
    assert.equal(text, got.output_text);
  });
});

describe('seed §8: google_search tool', () => {
  function assertSearchSteps(steps, where) {
    const types = steps.map((s) => s.type);
    const callIndex = types.indexOf('google_search_call');
    const resultIndex = types.indexOf('google_search_result');
    const outputIndex = types.lastIndexOf('model_output');
    assert.ok(callIndex >= 0, `${where}: google_search_call step: ${types}`);
    assert.ok(resultIndex > callIndex, `${where}: google_search_result after the call: ${types}`);
    assert.ok(outputIndex > resultIndex, `${where}: model_output after the search: ${types}`);
    const call = steps[callIndex];
    const result = steps[resultIndex];
    assert.equal(typeof call.id, 'string', `${where}: google_search_call has an id (reference §5)`);
    assert.ok(call.id.length > 0);
    assert.ok(Array.isArray(call.arguments?.queries) && call.arguments.queries.length > 0, `${where}: arguments.queries: ${JSON.stringify(call)}`);
    for (const q of call.arguments.queries) assert.equal(typeof q, 'string');
    assert.equal(result.call_id, call.id, `${where}: google_search_result.call_id links to the call id`);
    assert.ok(Array.isArray(result.result), `${where}: google_search_result.result is a list: ${JSON.stringify(result)}`);
    const block = steps[outputIndex].content.find((c) => c.type === 'text' && c.annotations);
    assert.ok(block, `${where}: a text block with annotations: ${JSON.stringify(steps[outputIndex])}`);
    return assertCitations(block, where);
  }

  test('JS sample: google_search_call/result steps and url_citation annotations with byte offsets into the text', async () => {
    const ai = client();
    const interaction = await ai.interactions.create({
      model: MODEL,
      input: 'Who won the euro 2024?',
      tools: [{ type: 'google_search' }],
    });
    assert.equal(interaction.status, 'completed');
    assert.equal(typeof interaction.output_text, 'string');
    assertSearchSteps(interaction.steps, 'create');
    assert.equal(interaction.output_text, textOf(interaction.steps.filter((s) => s.type === 'model_output').at(-1).content));
  });

  test('non-ASCII (Arabic) question: citation offsets are UTF-8 byte offsets', async () => {
    const ai = client({ apiVersion: 'v1beta' });
    const interaction = await ai.interactions.create({
      model: MODEL,
      input: 'من فاز ببطولة أمم أوروبا 2024؟',
      tools: [{ type: 'google_search' }],
    });
    assert.equal(interaction.status, 'completed');
    assertSearchSteps(interaction.steps, 'arabic');
  });

  test('stateless (store:false): search steps are resent verbatim; a tampered tool-step signature → 400', async () => {
    const ai = client();
    const tools = [{ type: 'google_search' }];
    const history = [{ type: 'user_input', content: [{ type: 'text', text: 'Who won the euro 2024?' }] }];
    const interaction1 = await ai.interactions.create({ model: MODEL, store: false, input: history, tools });
    assert.equal(interaction1.status, 'completed');
    assertSearchSteps(interaction1.steps, 'turn 1');
    const followUp = { type: 'user_input', content: [{ type: 'text', text: 'Who was the top scorer?' }] };

    const interaction2 = await ai.interactions.create({
      model: MODEL,
      store: false,
      input: [...history, ...interaction1.steps, followUp],
      tools,
    });
    assert.equal(interaction2.status, 'completed', 'the verbatim history is accepted');

    const steps = structuredClone(interaction1.steps);
    const signed = steps.find((s) => s.type.startsWith('google_search_') && typeof s.signature === 'string' && s.signature.length > 0);
    assert.ok(signed, `a signed google_search step (reference §5: tool steps may carry signature): ${JSON.stringify(steps.map((s) => [s.type, !!s.signature]))}`);
    signed.signature = (signed.signature[0] === 'A' ? 'B' : 'A') + signed.signature.slice(1);
    await expectApiError(
      () => ai.interactions.create({ model: MODEL, store: false, input: [...history, ...steps, followUp], tools }),
      { name: 'BadRequestError', status: 400, googleStatus: 'INVALID_ARGUMENT' },
    );
  });

  test('streamed search: search steps and citations arrive in the stream and match the stored interaction', async () => {
    const ai = client();
    const events = await collect(
      await ai.interactions.create({ model: MODEL, input: 'Who won the euro 2024?', tools: [{ type: 'google_search' }], stream: true }),
    );
    const { created, steps } = assertStreamShape(events);
    const rebuilt = reconstructSteps(steps);
    assertSearchSteps(rebuilt, 'stream');
    const got = await ai.interactions.get(created.id);
    assert.deepEqual(rebuilt, got.steps.filter((s) => s.type !== 'user_input'), 'rebuilt steps equal the stored steps');
  });
});
