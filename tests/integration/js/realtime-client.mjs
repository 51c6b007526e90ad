// A real client of phiscribe's /v1/realtime: the `ws` package speaking
// OpenAI's Realtime protocol (GA and beta session shapes) and the plain
// mode, for tests/integration/test_realtime.sh. Every server event is written
// to OUT/events.jsonl (one JSON a line) for schema validation; the checks of
// order and content are made here and a failure exits 1 with the reason.
//
//   node realtime-client.mjs realtime URL KEY OUT ga|beta WAV...   stream, print final text
//   node realtime-client.mjs plain URL KEY OUT WAV...               binary PCM16, print final text
//   node realtime-client.mjs refused URL OUT HOW [ARG]              expect an HTTP refusal, print status
//   node realtime-client.mjs closed URL KEY OUT HOW                 expect an error event then a close,
//                                                                   print "CODE error.code"
//   node realtime-client.mjs hold URL KEY N OUT                     open N sessions, print each outcome
//   node realtime-client.mjs crash URL KEY OUT FLAG                 a second of audio committed and
//                                                                   transcribed, FLAG.ready written; once
//                                                                   FLAG.go exists more audio: print
//                                                                   "CODE error.code" of the end
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';

const fail = (msg) => { console.error('FAIL: ' + msg); process.exit(1); };

// The samples of a 16-bit mono WAV file (the data chunk), and its rate.
export function readWav(file) {
    const b = fs.readFileSync(file);
    if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') fail(file + ': not WAV');
    let off = 12, rate = 0, data = null;
    while (off + 8 <= b.length) {
        const id = b.toString('ascii', off, off + 4), len = b.readUInt32LE(off + 4);
        if (id === 'fmt ') rate = b.readUInt32LE(off + 12);
        if (id === 'data') data = b.subarray(off + 8, off + 8 + len);
        off += 8 + len + (len & 1);
    }
    const pcm = new Int16Array(data.length / 2);
    for (let i = 0; i < pcm.length; i++) pcm[i] = data.readInt16LE(2 * i);
    return { rate, pcm };
}

// Linear-interpolation resampling (the client's job; the server takes any rate).
export function resample(pcm, from, to) {
    if (from === to) return pcm;
    const n = Math.floor(pcm.length * to / from), out = new Int16Array(n);
    for (let i = 0; i < n; i++) {
        const x = i * from / to, j = Math.floor(x), f = x - j;
        const a = pcm[j], b = j + 1 < pcm.length ? pcm[j + 1] : a;
        out[i] = Math.round(a + (b - a) * f);
    }
    return out;
}

// The recordings one after the other, each followed by 1.2 s of silence
// (the server VAD ends an utterance after 500 ms of it), at rate.
function speech(files, rate) {
    const parts = [];
    for (const f of files) {
        const w = readWav(f);
        parts.push(resample(w.pcm, w.rate, rate), new Int16Array(Math.round(rate * 1.2)));
    }
    const n = parts.reduce((a, p) => a + p.length, 0), all = new Int16Array(n);
    let o = 0;
    for (const p of parts) { all.set(p, o); o += p.length; }
    return Buffer.from(all.buffer);
}

function open(url, key, extra = {}) {
    const headers = { ...(extra.headers || {}) };
    if (key) headers.Authorization = 'Bearer ' + key;
    return new WebSocket(url, extra.protocols || [], { headers });
}

// Collects every server event; resolves on close with {events, code, reason}.
function session(ws, out, onEvent) {
    const events = [];
    const log = fs.openSync(path.join(out, 'events.jsonl'), 'a');
    return new Promise((resolve, reject) => {
        ws.on('message', (data, binary) => {
            if (binary) return reject(new Error('binary message from the server'));
            const ev = JSON.parse(data.toString());
            fs.writeSync(log, JSON.stringify(ev) + '\n');
            events.push(ev);
            if (onEvent) onEvent(ev, events);
        });
        ws.on('unexpected-response', (req, res) => reject(new Error('HTTP ' + res.statusCode)));
        ws.on('error', reject);
        ws.on('close', (code, reason) => { fs.closeSync(log); resolve({ events, code, reason: reason.toString() }); });
    });
}

// Checks the order of every item's events: speech_started, speech_stopped,
// committed, deltas, completed; the deltas add up to the transcript.
function checkOrder(events, vad) {
    const items = new Map();
    const item = (id) => { if (!items.has(id)) items.set(id, { seen: [], deltas: '' }); return items.get(id); };
    for (const ev of events) {
        const short = ev.type.replace('input_audio_buffer.', '').replace('conversation.item.input_audio_transcription.', '');
        if (!ev.item_id) continue;
        const it = item(ev.item_id);
        it.seen.push(short);
        if (short === 'delta') it.deltas += ev.delta;
        if (short === 'completed') it.transcript = ev.transcript;
    }
    // deltas (live partial words) may come while the item is spoken
    const rank = { speech_started: 0, speech_stopped: 1, committed: 2, completed: 4 };
    let spoken = 0;
    for (const [id, it] of items) {
        const steps = it.seen.filter((x) => x !== 'delta');
        for (let i = 1; i < steps.length; i++)
            if (rank[steps[i]] <= rank[steps[i - 1]]) fail(`${id}: ${it.seen.join(',')} out of order`);
        if (it.seen.includes('completed') && it.seen.lastIndexOf('delta') > it.seen.indexOf('completed'))
            fail(`${id}: ${it.seen.join(',')}: a delta after completed`);
        if (!it.seen.includes('committed') || !it.seen.includes('completed')) fail(`${id}: ${it.seen.join(',')} not committed and completed`);
        if (it.transcript && it.deltas !== it.transcript) fail(`${id}: deltas "${it.deltas}" are not the transcript`);
        if (it.seen.includes('speech_started')) spoken++;
    }
    if (vad && spoken < 2) fail(`server VAD found ${spoken} utterances, want 2 or more`);
    return items;
}

async function realtime(url, key, out, shape, files) {
    const beta = shape === 'beta';
    // "ga-secret:S": authenticated by a client secret, as a browser does
    const secret = shape.startsWith('ga-secret:') ? shape.slice(10) : null;
    const ws = open(url + (url.includes('?') ? '&' : '?') + 'intent=transcription', key,
        secret ? { protocols: ['realtime', 'openai-insecure-api-key.' + secret] }
            : beta ? { headers: { 'OpenAI-Beta': 'realtime=v1' } } : {});
    const audio = files.length ? speech(files, 24000) : null;
    let cfg = null, updated = 0;
    const done = session(ws, out, (ev) => {
        if (ev.type === (beta ? 'transcription_session.created' : 'session.created')) {
            const vad = { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500 };
            cfg = JSON.stringify(beta
                ? { type: 'transcription_session.update', event_id: 'cfg', session: { input_audio_format: 'pcm16', input_audio_transcription: { model: 'gpt-4o-transcribe', language: 'en' }, turn_detection: vad } }
                : { type: 'session.update', event_id: 'cfg', session: { type: 'transcription', audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, transcription: { model: 'gpt-4o-transcribe', language: 'en' }, turn_detection: vad } } } });
            ws.send(cfg);
        } else if (ev.type === (beta ? 'transcription_session.updated' : 'session.updated')) {
            if (++updated === 2 || files.length === 0) { // after the commit: all is in
                ws.close(1000);
                return;
            }
            // as fast as the limits allow: all of it at once, in 100 ms appends
            for (let o = 0; o < audio.length; o += 4800)
                ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: audio.subarray(o, o + 4800).toString('base64') }));
            ws.send(JSON.stringify({ type: 'input_audio_buffer.commit', event_id: 'end' }));
            ws.send(cfg);
        } else if (ev.type === 'error') {
            fail('error event: ' + JSON.stringify(ev.error));
        }
    });
    const r = await done;
    if (r.code !== 1000) fail(`closed with ${r.code} ${r.reason}`);
    if (!files.length) return null; // the session's set-up alone
    const items = checkOrder(r.events, files.length > 1);
    const completed = r.events.filter((e) => e.type.endsWith('.completed'));
    for (const c of completed)
        for (const w of c.phiscribe.words)
            if (!(w.start <= w.end && w.confidence >= 0 && w.confidence <= 1)) fail('bad word ' + JSON.stringify(w));
    console.log(completed.map((c) => c.transcript).filter((t) => t).join(' '));
    return items;
}

async function plain(url, key, out, files) {
    // RT_QUERY: more of the query (&store=true&redact=true); a stored
    // session's transcript id goes to OUT/transcript_id
    const ws = open(url + '?mode=plain&rate=16000' + (process.env.RT_QUERY || ''), key);
    const audio = speech(files, 16000);
    const done = session(ws, out, (ev) => {
        if (ev.type === 'ready') {
            if (ev.rate !== 16000) fail('ready.rate ' + ev.rate);
            if ((typeof ev.transcript_id === 'string') !== ev.store) fail('ready.transcript_id ' + ev.transcript_id);
            if (ev.store) fs.writeFileSync(path.join(out, 'transcript_id'), ev.transcript_id);
            for (let o = 0; o < audio.length; o += 3200) ws.send(audio.subarray(o, o + 3200), { binary: true });
            ws.send(JSON.stringify({ type: 'end' }));
        } else if (ev.type === 'error') {
            fail('error message: ' + JSON.stringify(ev.error));
        }
    });
    const r = await done;
    if (r.code !== 1000) fail(`plain mode closed with ${r.code} ${r.reason}`);
    const finals = r.events.filter((e) => e.type === 'final');
    if (finals.length < 2) fail(`${finals.length} finals, want 2 or more`);
    for (const f of finals) if (!Array.isArray(f.words) || typeof f.text !== 'string') fail('bad final ' + JSON.stringify(f));
    console.log(finals.map((f) => f.text).filter((t) => t).join(' '));
}

// A handshake that must be refused over HTTP: prints the status.
async function refused(url, out, how, arg) {
    const opts = how === 'nokey' ? {} : how === 'key' ? {} : { protocols: ['realtime', 'openai-insecure-api-key.' + arg] };
    const ws = open(url, how === 'key' ? arg : null, opts);
    const status = await new Promise((resolve) => {
        ws.on('unexpected-response', (req, res) => {
            let body = '';
            res.on('data', (d) => { body += d; });
            res.on('end', () => { fs.writeFileSync(path.join(out, 'refusal.json'), body); resolve(res.statusCode); });
        });
        ws.on('open', () => { ws.close(); resolve('opened'); });
        ws.on('error', () => {});
    });
    console.log(status);
}

// A session the server must end: an error event, then the close code.
async function closed(url, key, out, how) {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const ws = open(url + (how === 'toofast' ? '?rate=8000' : ''), key);
    const done = session(ws, out, (ev) => {
        if (ev.type !== 'session.created') return;
        if (how === 'json') ws.send('{"type": "input_audio_buffer.append", ');
        if (how === 'base64') ws.send(JSON.stringify({ type: 'input_audio_buffer.append', event_id: 'b64', audio: 'not base64!' }));
        if (how === 'binary') ws.send(Buffer.alloc(10), { binary: true });
        if (how === 'oversize') ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: big }));
        if (how === 'toofast') { // 80 s of 8 kHz audio at once, beyond the 60 s allowance
            const second = Buffer.alloc(16000).toString('base64');
            for (let i = 0; i < 80; i++) ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: second }));
        }
    });
    const r = await done;
    const err = r.events.find((e) => e.type === 'error');
    if (!err) fail(`${how}: closed ${r.code} without an error event`);
    if (r.events[r.events.length - 1] !== err) fail(`${how}: the error event is not the last`);
    console.log(`${r.code} ${err.error.code}` + (err.error.event_id ? ` ${err.error.event_id}` : ''));
}

// N sessions of one key at once: each prints "open" or "CODE error.code".
async function hold(url, key, n, out) {
    const socks = [];
    for (let i = 0; i < n; i++) {
        const ws = open(url, key);
        socks.push(new Promise((resolve) => {
            ws.on('message', (d) => {
                const ev = JSON.parse(d.toString());
                fs.appendFileSync(path.join(out, 'events.jsonl'), JSON.stringify(ev) + '\n');
                if (ev.type === 'session.created') resolve({ ws, res: 'open' });
                if (ev.type === 'error') ws.once('close', (code) => resolve({ ws, res: `${code} ${ev.error.code}` }));
            });
            ws.on('error', (e) => resolve({ ws, res: 'error ' + e.message }));
        }));
        // one after the other, so the refused one is the last
        socks[i] = await socks[i];
    }
    for (const s of socks) console.log(s.res);
    for (const s of socks) s.ws.close(1000);
}

// A session whose decoder is in a known state (its first utterance done,
// FLAG.ready), held until the test has acted on its worker (FLAG.go), then
// fed again: prints how it ended.
async function crash(url, key, out, flag) {
    const ws = open(url, key);
    const second = Buffer.alloc(48000).toString('base64');
    let held = false;
    const done = session(ws, out, (ev) => {
        if (ev.type === 'session.created') {
            ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: second }));
            ws.send(JSON.stringify({ type: 'input_audio_buffer.commit' }));
        } else if (ev.type.endsWith('.completed') && !held) {
            held = true;
            fs.writeFileSync(flag + '.ready', '');
            const wait = () => {
                if (!fs.existsSync(flag + '.go')) return setTimeout(wait, 50); // polls a condition
                ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: second }));
                ws.send(JSON.stringify({ type: 'input_audio_buffer.commit' }));
            };
            wait();
        }
    });
    const r = await done;
    const err = r.events.find((e) => e.type === 'error');
    console.log(err ? `${r.code} ${err.error.code}` : `${r.code} no error`);
}

// run as a program (browser-test.mjs imports readWav and resample only)
const [mode, ...a] = process.argv.slice(2);
if (import.meta.url !== pathToFileURL(process.argv[1]).href) { /* imported */ }
else if (mode === 'realtime') await realtime(a[0], a[1], a[2], a[3], a.slice(4));
else if (mode === 'plain') await plain(a[0], a[1], a[2], a.slice(3));
else if (mode === 'refused') await refused(a[0], a[1], a[2], a[3]);
else if (mode === 'closed') await closed(a[0], a[1], a[2], a[3]);
else if (mode === 'hold') await hold(a[0], a[1], Number(a[2]), a[3]);
else if (mode === 'crash') await crash(a[0], a[1], a[2], a[3]);
else fail('unknown mode ' + mode);
// a refused handshake leaves a kept-alive HTTP connection open: do not wait for it
if (import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(0);
