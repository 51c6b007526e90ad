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
//   node realtime-client.mjs clear URL KEY OUT FLAG WAV1 WAV2        half of WAV1, FLAG.ready at its
//                                                                   speech_started; once FLAG.go exists a
//                                                                   clear, FLAG.cleared at cleared; once
//                                                                   FLAG.go2 exists WAV2: print its text
//   node realtime-client.mjs plainclear URL KEY OUT WAV1 WAV2        plain mode: half of WAV1, "clear",
//                                                                   WAV2, "end": print the finals' text
//   node realtime-client.mjs noisy URL KEY OUT NR WAV                noise_reduction NR (a type, or
//                                                                   "null") set and echoed, a bad one
//                                                                   refused; WAV streamed: print its text
//   node realtime-client.mjs voice URL KEY OUT NAME WAV...           bad phiscribe.voice values refused;
//                                                                   WAV1, then voice NAME set, then the
//                                                                   rest: print JSON {initial, before,
//                                                                   after, after_start}
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
        if (how === 'toofast') {
            // 300 s of 8 kHz audio at once, far beyond the 60 s allowance: the
            // server counts its own handling time (a worker started, audio fed)
            // as time passed, so on a loaded machine 80 s could stay inside it
            const second = Buffer.alloc(16000).toString('base64');
            for (let i = 0; i < 300; i++) ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: second }));
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

// Waits for the file NAME to exist (the test's go-ahead), then runs then().
function whenExists(name, then) {
    if (!fs.existsSync(name)) return setTimeout(() => whenExists(name, then), 50); // polls a condition
    then();
}

const GA_VAD = { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500 };
const gaUpdate = (input, id) => JSON.stringify({ type: 'session.update', event_id: id, session: { type: 'transcription', audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: GA_VAD, ...input } } } });
const appendAll = (ws, audio) => {
    for (let o = 0; o < audio.length; o += 4800)
        ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: audio.subarray(o, o + 4800).toString('base64') }));
};

// A clear while the first recording's speech is under way: the test looks
// at the server's workers before (FLAG.ready) and after it (FLAG.cleared);
// then the second recording. Its events are checked here: nothing of the
// first recording is completed, the second's is, timed after the cleared
// audio on the session's clock.
async function clear(url, key, out, flag, files) {
    const ws = open(url, key);
    const first = readWav(files[0]), half = resample(first.pcm, first.rate, 24000);
    const head = Buffer.from(half.buffer, 0, Math.floor(half.length / 2) * 2);
    const second = speech([files[1]], 24000);
    let phase = 'set';
    const done = session(ws, out, (ev) => {
        if (ev.type === 'session.created') ws.send(gaUpdate({}, 'cfg'));
        else if (ev.type === 'session.updated' && phase === 'set') {
            phase = 'first';
            appendAll(ws, head);
        } else if (ev.type === 'input_audio_buffer.speech_started' && phase === 'first') {
            phase = 'held';
            fs.writeFileSync(flag + '.ready', '');
            whenExists(flag + '.go', () => ws.send(JSON.stringify({ type: 'input_audio_buffer.clear', event_id: 'clr' })));
        } else if (ev.type === 'input_audio_buffer.cleared') {
            phase = 'second';
            fs.writeFileSync(flag + '.cleared', '');
            whenExists(flag + '.go2', () => {
                appendAll(ws, second);
                ws.send(gaUpdate({}, 'end')); // answered once all of it is decoded
            });
        } else if (ev.type === 'session.updated' && phase === 'second') {
            ws.close(1000);
        } else if (ev.type === 'error') {
            fail('error event: ' + JSON.stringify(ev.error));
        }
    });
    const r = await done;
    if (r.code !== 1000) fail(`closed with ${r.code} ${r.reason}`);
    const at = r.events.findIndex((e) => e.type === 'input_audio_buffer.cleared');
    const before = r.events.slice(0, at), after = r.events.slice(at + 1);
    if (before.some((e) => e.type.startsWith('conversation.item') || e.type.endsWith('.committed') || e.type.endsWith('.speech_stopped')))
        fail('the cleared speech was committed or transcribed: ' + before.map((e) => e.type).join(','));
    const cleared_ms = Math.floor(head.length / 2 / 24); // the session's clock at the clear
    const started = after.filter((e) => e.type === 'input_audio_buffer.speech_started');
    const completed = after.filter((e) => e.type.endsWith('.completed'));
    if (started.length !== 1 || completed.length !== 1) fail(`after the clear: ${after.map((e) => e.type).join(',')}`);
    if (started[0].audio_start_ms < cleared_ms) fail(`speech_started at ${started[0].audio_start_ms} ms, before the clear at ${cleared_ms} ms`);
    if (started[0].item_id === before.find((e) => e.type.endsWith('.speech_started')).item_id) fail('the cleared item id reused');
    for (const w of completed[0].phiscribe.words)
        if (w.start * 1000 < cleared_ms) fail(`a word at ${w.start} s, before the clear at ${cleared_ms} ms`);
    checkOrder(after, false);
    console.log(completed[0].transcript);
}

// Plain mode's clear: the first half of WAV1 (speech under way, no pause
// long enough to end it), the text message clear, then WAV2 and end. The
// server takes a connection's messages in order, so the clear comes after
// every sample of the half and before any of WAV2: no final may hold a word
// timed before the clear, and the finals are WAV2's text.
async function plainclear(url, key, out, files) {
    const ws = open(url + '?mode=plain&rate=16000', key);
    const first = readWav(files[0]), pcm = resample(first.pcm, first.rate, 16000);
    const head = Buffer.from(pcm.buffer, 0, Math.floor(pcm.length / 2) * 2);
    const second = speech([files[1]], 16000);
    const done = session(ws, out, (ev) => {
        if (ev.type === 'ready') {
            for (let o = 0; o < head.length; o += 3200) ws.send(head.subarray(o, o + 3200), { binary: true });
            ws.send(JSON.stringify({ type: 'clear' }));
            for (let o = 0; o < second.length; o += 3200) ws.send(second.subarray(o, o + 3200), { binary: true });
            ws.send(JSON.stringify({ type: 'end' }));
        } else if (ev.type === 'error') {
            fail('error message: ' + JSON.stringify(ev.error));
        }
    });
    const r = await done;
    if (r.code !== 1000) fail(`plain mode closed with ${r.code} ${r.reason}`);
    const cleared_s = head.length / 2 / 16000; // the session's clock at the clear
    const finals = r.events.filter((e) => e.type === 'final');
    if (!finals.some((f) => f.words.length)) fail('no final after the clear');
    for (const f of finals)
        for (const w of f.words)
            if (w.start < cleared_s) fail(`a word at ${w.start} s, before the clear at ${cleared_s} s`);
    console.log(finals.map((f) => f.text).filter((t) => t).join(' '));
}

// Noise suppression set (OpenAI's noise_reduction) and echoed; a bad type
// refused with an error naming it (the session goes on); then WAV streamed.
async function noisy(url, key, out, nr, file) {
    const ws = open(url, key);
    const audio = speech([file], 24000);
    const want = nr === 'null' ? null : { type: nr };
    let phase = 'set';
    const done = session(ws, out, (ev) => {
        if (ev.type === 'session.created') {
            ws.send(gaUpdate({ noise_reduction: want }, 'cfg'));
        } else if (ev.type === 'session.updated' && phase === 'audio') {
            ws.close(1000);
        } else if (ev.type === 'session.updated') {
            const got = ev.session.audio.input.noise_reduction ?? null;
            if (JSON.stringify(got) !== JSON.stringify(want)) fail('noise_reduction echoed as ' + JSON.stringify(got));
            if (ev.session.phiscribe.denoise !== (want ? 'on' : 'off')) fail('phiscribe.denoise ' + ev.session.phiscribe.denoise);
            phase = 'bad';
            ws.send(gaUpdate({ noise_reduction: { type: 'studio' } }, 'bad'));
        } else if (ev.type === 'error' && phase === 'bad') {
            const e = ev.error;
            if (e.param !== 'session.audio.input.noise_reduction.type' || e.code !== 'invalid_value' || e.event_id !== 'bad')
                fail('bad noise_reduction: ' + JSON.stringify(e));
            phase = 'audio';
            appendAll(ws, audio);
            ws.send(gaUpdate({ noise_reduction: want }, 'end')); // answered once all of it is decoded
        } else if (ev.type === 'error') {
            fail('error event: ' + JSON.stringify(ev.error));
        }
    });
    const r = await done;
    if (r.code !== 1000) fail(`closed with ${r.code} ${r.reason}`);
    if (phase !== 'audio') fail('the bad noise_reduction was not refused');
    console.log(r.events.filter((e) => e.type.endsWith('.completed')).map((c) => c.transcript).filter((t) => t).join(' '));
}

// A voice profile set by session.update (phiscribe.voice) from the next
// utterance: an unknown name and a number are refused naming the parameter
// (the session goes on); WAV1 streamed, then NAME ("null": none) set, which
// is answered once WAV1 is decoded, then the rest. Prints JSON: the text
// before and after the update, and the first word's start after it.
// RT_VOICE_MANUAL=1: no turn detection, a commit after each recording.
async function voice(url, key, out, name, files) {
    const ws = open(url, key);
    const manual = process.env.RT_VOICE_MANUAL === '1';
    const want = name === 'null' ? null : name;
    const upd = (v, id) => JSON.stringify({ type: 'session.update', event_id: id, session: { type: 'transcription', audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: manual ? null : GA_VAD } }, phiscribe: { smart_format: false, ...v } } });
    const send = (list) => {
        for (const f of list) {
            appendAll(ws, speech([f], 24000));
            if (manual) ws.send(JSON.stringify({ type: 'input_audio_buffer.commit' }));
        }
    };
    let phase = 'unknown', at = 0, initial;
    const done = session(ws, out, (ev, events) => {
        if (ev.type === 'session.created') {
            ws.send(upd({ voice: 'nobody-at-all' }, 'unknown'));
        } else if (ev.type === 'error' && (phase === 'unknown' || phase === 'number')) {
            const e = ev.error;
            const code = phase === 'unknown' ? 'unknown_voice' : 'invalid_value';
            if (e.param !== 'session.phiscribe.voice' || e.code !== code || e.event_id !== phase)
                fail(`voice ${phase}: ` + JSON.stringify(e));
            if (phase === 'unknown') { phase = 'number'; ws.send(upd({ voice: 7 }, 'number')); return; }
            phase = 'first';
            ws.send(upd({}, 'cfg'));
        } else if (ev.type === 'session.updated' && phase === 'first') {
            initial = ev.session.phiscribe.voice;
            phase = 'switch';
            send(files.slice(0, 1));
            ws.send(upd({ voice: want }, 'voice')); // answered once WAV1 is decoded
        } else if (ev.type === 'session.updated' && phase === 'switch') {
            if (ev.session.phiscribe.voice !== want) fail('phiscribe.voice echoed as ' + ev.session.phiscribe.voice);
            phase = 'rest';
            at = events.length;
            send(files.slice(1));
            ws.send(upd({}, 'end'));
        } else if (ev.type === 'session.updated' && phase === 'rest') {
            ws.close(1000);
        } else if (ev.type === 'error') {
            fail('error event: ' + JSON.stringify(ev.error));
        }
    });
    const r = await done;
    if (r.code !== 1000) fail(`closed with ${r.code} ${r.reason}`);
    if (phase !== 'rest') fail('the session ended in phase ' + phase);
    const text = (evs) => evs.filter((e) => e.type.endsWith('.completed')).map((c) => c.transcript).filter((t) => t).join(' ');
    const after = r.events.slice(at).filter((e) => e.type.endsWith('.completed') && e.phiscribe.words.length);
    checkOrder(r.events, !manual);
    console.log(JSON.stringify({ initial, before: text(r.events.slice(0, at)), after: text(r.events.slice(at)),
        after_start: after.length ? after[0].phiscribe.words[0].start : null }));
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
else if (mode === 'clear') await clear(a[0], a[1], a[2], a[3], a.slice(4));
else if (mode === 'plainclear') await plainclear(a[0], a[1], a[2], a.slice(3));
else if (mode === 'noisy') await noisy(a[0], a[1], a[2], a[3], a[4]);
else if (mode === 'voice') await voice(a[0], a[1], a[2], a[3], a.slice(4));
else fail('unknown mode ' + mode);
// a refused handshake leaves a kept-alive HTTP connection open: do not wait for it
if (import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(0);
