// Emscripten's glue in the wasm backend adds process handlers that rethrow any uncaught error
// from inside its minified bundle (Node then printed 39 KB of source above the error and
// exited 7). Selecting the backend must leave the process's error handling as it found it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { selectBackend } from '../../trainer/backend.ts';

test('selecting the wasm backend adds no uncaughtException or unhandledRejection handler', async () => {
  const uncaught = process.listeners('uncaughtException').length;
  const unhandled = process.listeners('unhandledRejection').length;
  assert.equal((await selectBackend('wasm', pino({ level: 'silent' }))).backend, 'wasm');
  assert.equal(process.listeners('uncaughtException').length, uncaught);
  assert.equal(process.listeners('unhandledRejection').length, unhandled);
});
