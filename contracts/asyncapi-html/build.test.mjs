// The HTML documentation builds from contracts/asyncapi.yaml and shows every channel and message of the bus,
// self-contained (no script or stylesheet fetched from elsewhere). The page is left at artifacts/asyncapi-html.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHtml, defaultOutput } from './build.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const contracts = readdirSync(path.resolve(here, '../schema'))
  .map((f) => f.replace('.schema.json', ''))
  .filter((t) => !['BudgetFigures', 'ValidationProblem', 'FunctionCall'].includes(t));

test('the HTML documentation builds and shows every exchange, queue and message', { timeout: 180_000 }, async () => {
  const started = Date.now();
  const file = await buildHtml(defaultOutput);
  const html = readFileSync(file, 'utf8');
  console.log(`# built ${file}: ${statSync(file).size} bytes in ${Date.now() - started} ms`);
  assert.match(html, /<title>Messaging[^<]*documentation<\/title>/);
  for (const type of contracts) {
    assert.ok(html.includes(`Messaging.Contracts:${type}`), `no exchange for ${type} in the page`);
  }
  for (const id of ['workQueue', 'sagaQueue', 'errorQueue', 'replyAddress', 'InteractionRequestedPlain']) {
    assert.ok(html.includes(id), `no ${id} in the page`);
  }
  const external = [...html.matchAll(/<(?:script|link)\b[^>]*(?:src|href)="(https?:[^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(external, [], 'the page fetches scripts or styles from elsewhere');
});
