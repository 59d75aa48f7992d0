// The HTML documentation of the bus: contracts/asyncapi.yaml rendered by the official AsyncAPI generator (2.11, which
// runs on Node 20) with its HTML template, as one self-contained page (scripts and styles inline, nothing fetched).
//   node build.mjs [output folder]     default: artifacts/asyncapi-html at the repository's root
import Generator from '@asyncapi/generator';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
export const documentPath = path.resolve(here, '../asyncapi.yaml');
export const defaultOutput = path.resolve(here, '../../artifacts/asyncapi-html');

/** Renders the document into `output` and returns the path of its index.html. */
export async function buildHtml(output = defaultOutput) {
  const generator = new Generator('@asyncapi/html-template', output, {
    forceWrite: true,
    // The template is a dependency of this package: never let the generator install one.
    install: false,
    templateParams: { singleFile: 'true', outFilename: 'index.html' },
  });
  await generator.generateFromFile(documentPath);
  return path.join(output, 'index.html');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = await buildHtml(process.argv[2] ? path.resolve(process.argv[2]) : defaultOutput);
  console.log(`AsyncAPI HTML documentation: ${file}`);
}
