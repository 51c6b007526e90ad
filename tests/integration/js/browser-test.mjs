// Headless Debian chromium (driven by puppeteer-core, never a downloaded
// browser) streams a recording through the browser's own WebSocket to
// /v1/realtime, authenticated the browser way: subprotocols "realtime" and
// "openai-insecure-api-key.<client secret>". Prints the transcript.
//
//   node browser-test.mjs WSS_URL CLIENT_SECRET [WAV]   (no WAV: the session's set-up alone)
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { readWav, resample } from './realtime-client.mjs';

const [url, secret, wav] = process.argv.slice(2);
let b64 = '';
if (wav) {
    const w = readWav(wav);
    const pcm = resample(w.pcm, w.rate, 24000);
    // the recording and 1.2 s of silence, as 24 kHz PCM16 in base64
    const all = new Int16Array(pcm.length + 28800);
    all.set(pcm);
    b64 = Buffer.from(all.buffer).toString('base64');
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'phs-chromium-'));
const browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    // the test server's certificate is the test's own
    args: ['--no-sandbox', '--ignore-certificate-errors', '--disable-gpu'],
});
try {
    const page = await browser.newPage();
    const here = path.dirname(fileURLToPath(import.meta.url));
    await page.goto('file://' + path.join(here, 'realtime-page.html'));
    const text = await page.evaluate((u, s, audio) => window.streamRecording(u, s, audio), url, secret, b64);
    console.log(wav ? text : 'connected');
} finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
}
