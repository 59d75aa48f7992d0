// Seed §9 (function calling: stateful, stateless, parallel, streamed) and §10 (managed agents).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGENT,
  MODEL,
  assertStreamShape,
  client,
  collect,
  reconstructSteps,
  streamedText,
} from './helpers.mjs';

const weatherTool = {
  type: 'function',
  name: 'get_current_temperature',
  description: 'Gets the current temperature for a given location.',
  parameters: {
    type: 'object',
    properties: {
      location: { type: 'string', description: 'The city name, e.g. San Francisco' },
    },
    required: ['location'],
  },
};

const humidityTool = {
  type: 'function',
  name: 'get_current_humidity',
  description: 'Gets the current relative humidity (percent) for a given location.',
  parameters: {
    type: 'object',
    properties: { location: { type: 'string', description: 'The city name' } },
    required: ['location'],
  },
};

const availableFunctions = {
  get_current_temperature: ({ location }) => ({ location, temperature: '22', unit: 'celsius' }),
  get_current_humidity: ({ location }) => ({ location, humidity_percent: '61' }),
};

const MAX_ROUNDS = 6;

function assertFunctionCall(step, tools) {
  assert.equal(step.type, 'function_call');
  assert.equal(typeof step.id, 'string', `function_call has an id: ${JSON.stringify(step)}`);
  assert.ok(step.id.length > 0);
  const tool = tools.find((t) => t.name === step.name);
  assert.ok(tool, `function_call names a declared function: ${step.name}`);
  assert.ok(step.arguments && typeof step.arguments === 'object' && !Array.isArray(step.arguments), `arguments is an object: ${JSON.stringify(step)}`);
  for (const key of tool.parameters.required) {
    assert.equal(typeof step.arguments[key], 'string', `required argument '${key}' is present: ${JSON.stringify(step.arguments)}`);
  }
}

/** Runs `fn(step)` for every function_call step and builds the seed's function_result steps. */
function runCalls(steps) {
  return steps
    .filter((step) => step.type === 'function_call')
    .map((step) => ({
      type: 'function_result',
      name: step.name,
      call_id: step.id,
      result: [{ type: 'text', text: JSON.stringify(availableFunctions[step.name](step.arguments)) }],
    }));
}

describe('seed §9: function calling', () => {
  test('stateful loop (JS sample): requires_action → function_result with previous_interaction_id → completed using the result', async () => {
    const ai = client();
    let input = 'What is the temperature in London?';
    let previousId = null;
    let interaction;
    const rounds = [];

    for (;;) {
      assert.ok(rounds.length < MAX_ROUNDS, `the loop ends (no endless function calls): ${rounds.map((r) => r.status)}`);
      interaction = await ai.interactions.create({
        model: MODEL,
        input,
        tools: [weatherTool],
        previous_interaction_id: previousId,
      });
      rounds.push(interaction);
      const functionResults = runCalls(interaction.steps);
      if (functionResults.length === 0) break;
      input = functionResults;
      previousId = interaction.id;
    }

    assert.equal(rounds.length, 2, `one function round, then the answer: ${rounds.map((r) => r.status)}`);
    const [first, last] = rounds;
    assert.equal(first.status, 'requires_action');
    const calls = first.steps.filter((s) => s.type === 'function_call');
    assert.equal(calls.length, 1, 'one call for one declared function');
    assertFunctionCall(calls[0], [weatherTool]);
    assert.equal((await ai.interactions.get(first.id)).status, 'requires_action', 'the stored interaction waits for the result');

    assert.equal(last.status, 'completed');
    assert.equal(last.previous_interaction_id, first.id);
    assert.ok(!last.steps.some((s) => s.type === 'function_call'), `round 2 returns only new steps, no repeated call: ${last.steps.map((s) => s.type)}`);
    assert.equal(typeof last.output_text, 'string');
    assert.match(last.output_text, /22/, `the answer uses the function result: ${last.output_text}`);
  });

  test('stateless loop (JS sample, store:false): the whole history is resent each round', async () => {
    const ai = client();
    const history = [{ type: 'user_input', content: [{ type: 'text', text: 'What is the temperature in London?' }] }];
    let interaction;
    const rounds = [];

    for (;;) {
      assert.ok(rounds.length < MAX_ROUNDS, `the loop ends: ${rounds.map((r) => r.status)}`);
      interaction = await ai.interactions.create({ model: MODEL, store: false, input: history, tools: [weatherTool] });
      rounds.push(interaction);
      const functionResults = [];
      for (const step of interaction.steps) {
        history.push(step);
        if (step.type === 'function_call') {
          const [fnResult] = runCalls([step]);
          functionResults.push(fnResult);
          history.push(fnResult);
        }
      }
      if (functionResults.length === 0) break;
    }

    assert.equal(rounds.length, 2, `one function round, then the answer: ${rounds.map((r) => r.status)}`);
    assert.equal(rounds[0].status, 'requires_action');
    const calls = rounds[0].steps.filter((s) => s.type === 'function_call');
    assert.equal(calls.length, 1);
    assertFunctionCall(calls[0], [weatherTool]);
    assert.equal(interaction.status, 'completed');
    assert.ok(!interaction.steps.some((s) => s.type === 'user_input' || s.type === 'function_result'), 'only new steps are returned');
    assert.match(interaction.output_text ?? '', /22/, `the answer uses the function result: ${interaction.output_text}`);
  });

  test('parallel calls: two declared functions → two function_call steps answered together', async () => {
    const ai = client({ apiVersion: 'v1beta' });
    const tools = [weatherTool, humidityTool];
    const first = await ai.interactions.create({
      model: MODEL,
      input: 'What are the temperature and the humidity in London right now?',
      tools,
    });
    assert.equal(first.status, 'requires_action');
    const calls = first.steps.filter((s) => s.type === 'function_call');
    assert.equal(calls.length, 2, `one call per declared function in the same turn: ${JSON.stringify(calls)}`);
    for (const call of calls) assertFunctionCall(call, tools);
    assert.notEqual(calls[0].id, calls[1].id, 'call ids are distinct');
    assert.deepEqual(calls.map((c) => c.name).sort(), ['get_current_humidity', 'get_current_temperature']);

    const results = runCalls(first.steps);
    const second = await ai.interactions.create({ model: MODEL, input: results, tools, previous_interaction_id: first.id });
    assert.equal(second.status, 'completed');
    assert.ok(!second.steps.some((s) => s.type === 'function_call'), 'no further calls');
    assert.match(second.output_text ?? '', /22/, `the answer uses the temperature result: ${second.output_text}`);
    assert.match(second.output_text ?? '', /61/, `the answer uses the humidity result: ${second.output_text}`);
  });

  test('streamed function call: step.start(function_call with id, name) + arguments_delta fragments, then a streamed answer', async () => {
    const ai = client();
    const events = await collect(
      await ai.interactions.create({ model: MODEL, input: 'What is the temperature in London?', tools: [weatherTool], stream: true }),
    );
    const { created, steps } = assertStreamShape(events, { finalStatus: 'requires_action' });
    const callStep = steps.find((s) => s.start.step.type === 'function_call');
    assert.ok(callStep, `a function_call step is streamed: ${steps.map((s) => s.start.step.type)}`);
    assert.equal(typeof callStep.start.step.id, 'string', 'step.start carries the call id');
    assert.equal(callStep.start.step.name, weatherTool.name, 'step.start carries the function name');
    const fragments = callStep.deltas.filter((d) => d.delta.type === 'arguments_delta');
    assert.ok(fragments.length > 0, `arguments come as arguments_delta fragments: ${JSON.stringify(callStep.deltas)}`);
    for (const f of fragments) assert.equal(typeof f.delta.arguments, 'string', 'arguments_delta.arguments is a JSON string fragment');

    const rebuilt = reconstructSteps(steps);
    const call = rebuilt.find((s) => s.type === 'function_call');
    assertFunctionCall(call, [weatherTool]);
    const stored = await ai.interactions.get(created.id);
    assert.equal(stored.status, 'requires_action');
    assert.deepEqual(rebuilt, stored.steps.filter((s) => s.type !== 'user_input'), 'rebuilt steps equal the stored steps');

    const answer = await collect(
      await ai.interactions.create({
        model: MODEL,
        input: runCalls([call]),
        tools: [weatherTool],
        previous_interaction_id: created.id,
        stream: true,
      }),
    );
    assertStreamShape(answer, { finalStatus: 'completed' });
    assert.match(streamedText(answer), /22/, 'the streamed answer uses the function result');
  });

  test('labels.emulator_function_rounds=3: the loop runs three function rounds before the answer', async () => {
    const ai = client();
    let input = 'What is the temperature in London?';
    let previousId = null;
    const statuses = [];
    for (;;) {
      assert.ok(statuses.length < MAX_ROUNDS, `the loop ends: ${statuses}`);
      const interaction = await ai.interactions.create({
        model: MODEL,
        input,
        tools: [weatherTool],
        previous_interaction_id: previousId,
        labels: { emulator_function_rounds: '3' },
      });
      statuses.push(interaction.status);
      const results = runCalls(interaction.steps);
      if (results.length === 0) {
        assert.match(interaction.output_text ?? '', /22/);
        break;
      }
      input = results;
      previousId = interaction.id;
    }
    assert.deepEqual(statuses, ['requires_action', 'requires_action', 'requires_action', 'completed']);
  });
});

describe('seed §10: managed agents', () => {
  test('agent + environment "remote": completed with environment_id', async () => {
    const ai = client();
    const interaction = await ai.interactions.create({
      agent: AGENT,
      input:
        'Write a Python script that generates the first 20 Fibonacci numbers and saves them to fibonacci.txt. Then read the file and print its contents.',
      environment: 'remote',
    });
    assert.equal(interaction.status, 'completed');
    assert.equal(interaction.agent, AGENT);
    assert.equal(typeof interaction.environment_id, 'string', `environment_id present: ${JSON.stringify(interaction)}`);
    assert.ok(interaction.environment_id.length > 0);
    assert.equal(typeof interaction.output_text, 'string');

    const got = await ai.interactions.get(interaction.id);
    assert.equal(got.environment_id, interaction.environment_id, 'GET reports the same environment_id');
    assert.equal(got.agent, AGENT);
  });

  test('agent on v1beta: environment object with environment_id reuses the sandbox', async () => {
    const ai = client({ apiVersion: 'v1beta' });
    const first = await ai.interactions.create({ agent: AGENT, input: 'Create hello.txt', environment: 'remote' });
    assert.equal(typeof first.environment_id, 'string');
    const second = await ai.interactions.create({
      agent: AGENT,
      input: 'Print hello.txt',
      environment: { type: 'remote', environment_id: first.environment_id },
    });
    assert.equal(second.status, 'completed');
    assert.equal(second.environment_id, first.environment_id, 'the same sandbox is used');
  });
});
