// Headless Debian chromium (puppeteer-core, never a downloaded browser)
// records a WAV file the way a web application records its microphone:
// the recording played into a MediaStream and captured by MediaRecorder
// as audio/webm;codecs=opus (or another MIME type the browser records, as
// audio/mp4). Writes the file the browser made.
//
//   node record-webm.mjs IN.wav OUT.webm [CHANNELS [BITS_PER_SECOND [MIME]]]
// (default: 1 channel, as a microphone is, at the browser's own bit rate)
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import puppeteer from 'puppeteer-core';

const [wav, out, channels = '1', bps = '0', mime = 'audio/webm;codecs=opus'] = process.argv.slice(2);
const b64 = fs.readFileSync(wav).toString('base64');
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'phs-chromium-'));
const browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'],
});
try {
    const page = await browser.newPage();
    const webm = await page.evaluate(async (audio, ch, bits, type) => {
        const bytes = Uint8Array.from(atob(audio), (c) => c.charCodeAt(0));
        const ctx = new AudioContext({ sampleRate: 48000 });
        const buf = await ctx.decodeAudioData(bytes.buffer);
        const dest = ctx.createMediaStreamDestination();
        dest.channelCount = ch;
        const src = ctx.createBufferSource();
        src.buffer = buf;
        src.connect(dest);
        const opts = { mimeType: type };
        if (bits > 0) opts.audioBitsPerSecond = bits;
        const rec = new MediaRecorder(dest.stream, opts);
        const parts = [];
        rec.ondataavailable = (e) => parts.push(e.data);
        const done = new Promise((resolve) => (rec.onstop = resolve));
        rec.start(1000); // a chunk a second, as an uploading page collects them
        src.onended = () => setTimeout(() => rec.stop(), 300);
        src.start();
        await done;
        const blob = new Blob(parts, { type });
        const b = new Uint8Array(await blob.arrayBuffer());
        let s = '';
        for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
        return btoa(s);
    }, b64, Number(channels), Number(bps), mime);
    fs.writeFileSync(out, Buffer.from(webm, 'base64'));
} finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
}
