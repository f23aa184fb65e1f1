// Starts a real `comity serve` child process for the client suites and stops it
// gracefully. The binary comes from $COMITY_BIN; the model from $COMITY_TEST_MODEL
// (run.sh trains the tiny fixture once) or is trained here when run on its own.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = path.resolve(here, '..', '..');

export function comityBinary() {
  const binary = process.env.COMITY_BIN;
  if (!binary || !fs.existsSync(binary)) {
    throw new Error('set COMITY_BIN to the comity binary (tests/clients/run.sh does this)');
  }
  return binary;
}

export function runComity(args) {
  const result = spawnSync(comityBinary(), args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`comity ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  }
  return result;
}

export function makeTempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `comity-${prefix}-`));
}

export function testModel() {
  if (process.env.COMITY_TEST_MODEL) return process.env.COMITY_TEST_MODEL;
  const fixture = path.join(sourceDir, 'tests', 'fixtures', 'tiny');
  if (fs.existsSync(path.join(fixture, 'recipe.toml'))) {
    const model = path.join(makeTempDir('model'), 'tiny.cmodel');
    runComity(['train', '--recipe', path.join(fixture, 'recipe.toml'), '--data-dir', fixture,
      '--output', model]);
    process.env.COMITY_TEST_MODEL = model;
    return model;
  }
  return path.join(sourceDir, 'models', 'comity-en-1.cmodel');
}

// Port 0 lets the server pick; it logs the port it bound on its startup line.
// `env` adds COMITY_* settings to the inherited environment.
export async function startServer({ dataDir, model = testModel(), noAuth = true, extraArgs = [], env = {} }) {
  const args = ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir,
    '--model', model, '--threads', '2', ...extraArgs];
  if (noAuth) args.push('--no-auth');
  const child = spawn(comityBinary(), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let output = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  // No server outlives the test file, whatever failed.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  exited.then(() => process.off('exit', killOnExit));
  let port;
  try {
    port = await new Promise((resolve, reject) => {
      const onData = (chunk) => {
        output += chunk.toString();
        const match = output.match(/serving on http:\/\/[^\s:]+:(\d+)/);
        if (match) resolve(Number(match[1]));
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      exited.then(({ code }) => reject(new Error(`comity serve exited (${code}) before serving:\n${output}`)));
      setTimeout(() => reject(new Error(`comity serve did not report its port:\n${output}`)), 20000).unref();
    });
    await waitReady(`http://127.0.0.1:${port}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    port,
    baseUrl,
    output: () => output,
    signal(name) {
      child.kill(name);
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

async function waitReady(baseUrl) {
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const response = await fetch(`${baseUrl}/readyz`);
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${baseUrl}/readyz never answered 200`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Everything the store wrote (database, WAL, journal, anything else), as one buffer.
export function dataDirBytes(dataDir) {
  const chunks = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else chunks.push(fs.readFileSync(full));
    }
  };
  walk(dataDir);
  return Buffer.concat(chunks);
}

export function exportFeedback(dataDir) {
  const out = path.join(makeTempDir('export'), 'feedback.jsonl');
  runComity(['feedback', 'export', '--data-dir', dataDir, '--out', out]);
  return fs.readFileSync(out, 'utf8').split('\n').filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}
