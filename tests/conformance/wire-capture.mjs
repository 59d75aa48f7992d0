#!/usr/bin/env node
// Wire capture: performs a fixed list of Interactions API calls with the official SDK
// (@google/genai 3.1.0) against a capturing server, so that the C# client's requests can be
// compared with the SDK's (method, path, query, x-goog-api-key, content-type, accept, JSON body).
//
//   node wire-capture.mjs <baseUrl> <outFile>
//
// The capturing server at <baseUrl> records the requests and writes <outFile> itself; this script
// writes nothing. It performs the operations in order, consumes every stream, and exits 0 (1 on the
// first failing operation, 2 on bad arguments).
//
// The operations are data, in wire-operations.json beside this file, shared with the C# side:
//
//   {
//     "client": { "apiKey": "wire-key", "apiVersion": "v1beta" },  // new GoogleGenAI({ apiKey, apiVersion,
//                                                                 //   httpOptions: { baseUrl } }), nothing else
//     "operations": [                       // performed in this order, one request each
//       { "name":    "create",              // unique label, for reports
//         "kind":    "create",              // create | createStream | get | getStream | cancel | delete
//         "id":      null,                  // interaction id (string) for get/getStream/cancel/delete, else null
//         "params":  { ... },               // the SDK method's params object exactly as passed, or null:
//                                           //   create/createStream: ai.interactions.create(params)
//                                           //     (createStream params carry "stream": true)
//                                           //   get/getStream:       ai.interactions.get(id, params)
//                                           //     (getStream params carry "stream": true)
//                                           //   cancel/delete:       ai.interactions.cancel|delete(id, params)
//                                           //   null = the argument is omitted
//         "options": null }                 // per-call request options (2nd/3rd argument), null = omitted
//     ]                                     //   (SDK defaults: no timeout, default retries)
//   }
//
// JSON null inside params is sent as given (e.g. "previous_interaction_id": null is on the wire).
// createStream/getStream results are iterated to the end (the server answers one
// interaction.completed event).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GoogleGenAI } from '@google/genai';

const [baseUrl, outFile] = process.argv.slice(2);
if (!baseUrl || !outFile) {
  console.error('usage: node wire-capture.mjs <baseUrl> <outFile>');
  process.exit(2);
}

const spec = JSON.parse(readFileSync(fileURLToPath(new URL('./wire-operations.json', import.meta.url)), 'utf8'));
const ai = new GoogleGenAI({
  apiKey: spec.client.apiKey,
  apiVersion: spec.client.apiVersion,
  httpOptions: { baseUrl },
});

const arg = (value) => (value === null ? undefined : value);

async function drain(stream) {
  let count = 0;
  for await (const _event of stream) count++;
  return count;
}

async function perform(op) {
  const params = arg(op.params);
  const options = arg(op.options);
  switch (op.kind) {
    case 'create':
      return ai.interactions.create(params, options);
    case 'createStream':
      return drain(await ai.interactions.create(params, options));
    case 'get':
      return ai.interactions.get(op.id, params, options);
    case 'getStream':
      return drain(await ai.interactions.get(op.id, params, options));
    case 'cancel':
      return ai.interactions.cancel(op.id, params, options);
    case 'delete':
      return ai.interactions.delete(op.id, params, options);
    default:
      throw new Error(`unknown operation kind '${op.kind}'`);
  }
}

for (const [i, op] of spec.operations.entries()) {
  try {
    await perform(op);
  } catch (error) {
    console.error(`wire-capture: operation #${i + 1} '${op.name}' (${op.kind}) failed: ${error?.stack ?? error}`);
    process.exit(1);
  }
}
