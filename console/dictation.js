// Dictation: the microphone streamed to /v1/realtime. The API key never
// goes into the WebSocket: the page asks for a single-use client secret
// (POST /v1/realtime/transcription_sessions, with the key in a header) and
// the browser's WebSocket presents that secret as a subprotocol.
import { api } from './api.js';
import { $, el, status, guarded } from './ui.js';

const RATE = 24000;          // the Realtime protocol's audio/pcm rate
const SEND_SAMPLES = 2400;   // 100 ms a message
let session = null;          // {ws, ctx, stream, pending, sent}

function base64(int16) {
    const bytes = new Uint8Array(int16.buffer, int16.byteOffset, int16.byteLength);
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
}

function send(ev) {
    if (session && session.ws.readyState === WebSocket.OPEN) session.ws.send(JSON.stringify(ev));
}

function flush(all) {
    const p = session.pending;
    while (p.length >= SEND_SAMPLES || (all && p.length)) {
        const n = Math.min(SEND_SAMPLES, p.length);
        const out = new Int16Array(n);
        for (let i = 0; i < n; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(p[i] * 32767)));
        p.splice(0, n);
        send({ type: 'input_audio_buffer.append', audio: base64(out) });
        session.sent += n;
        $('#dictation').dataset.sentSamples = String(session.sent);
    }
}

function onEvent(m) {
    const ev = JSON.parse(m.data);
    const live = $('#dictation-live');
    if (ev.type === 'conversation.item.input_audio_transcription.delta') {
        live.textContent += ev.delta;
    } else if (ev.type === 'conversation.item.input_audio_transcription.completed') {
        live.textContent = '';
        if (ev.transcript) {
            const box = $('#dictation-text');
            box.append(el('p', {}, ev.transcript));
            box.dataset.utterances = String(box.children.length);
        }
    } else if (ev.type === 'session.updated' && session && session.stopping) {
        // the server answers in order: every utterance before this is done
        session.ws.close(1000);
    } else if (ev.type === 'error') {
        status(`Dictation error: ${ev.error && ev.error.message ? ev.error.message : 'unknown'}`);
    }
}

async function start() {
    const secret = await api('/v1/realtime/transcription_sessions', { method: 'POST', body: {} });
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, autoGainControl: false, noiseSuppression: false } });
    const ctx = new AudioContext({ sampleRate: RATE });
    await ctx.audioWorklet.addModule('pcm-worklet.js');
    const source = ctx.createMediaStreamSource(stream);
    const tap = new AudioWorkletNode(ctx, 'pcm-tap');
    const url = `wss://${window.location.host}/v1/realtime`;
    const ws = new WebSocket(url, ['realtime', `openai-insecure-api-key.${secret.client_secret.value}`]);
    session = { ws, ctx, stream, pending: [], sent: 0, stopping: false };
    ws.addEventListener('message', onEvent);
    ws.addEventListener('close', ended);
    await new Promise((resolve, reject) => {
        ws.addEventListener('open', resolve, { once: true });
        ws.addEventListener('error', () => reject(new Error('The dictation connection failed.')), { once: true });
    });
    send({ type: 'session.update', session: { type: 'transcription', audio: { input: { format: { type: 'audio/pcm', rate: RATE }, turn_detection: { type: 'server_vad' } } } } });
    tap.port.onmessage = e => { if (session && !session.stopping) { session.pending.push(...e.data); flush(false); } };
    source.connect(tap);
    tap.connect(ctx.destination); // pulled by the graph; it outputs silence
    $('#dictate-start').hidden = true;
    $('#dictate-stop').hidden = false;
    $('#dictate-stop').focus();
    status('Dictating: speak now.');
}

function release() {
    if (!session || session.released) return;
    session.released = true;
    session.stream.getTracks().forEach(t => t.stop());
    session.ctx.close();
}

function ended() {
    release();
    session = null;
    $('#dictate-start').hidden = false;
    $('#dictate-stop').hidden = true;
    $('#dictate-start').focus();
    status('Dictation ended.');
}

function stop() {
    if (!session) return;
    flush(true);
    session.stopping = true;
    release();
    send({ type: 'input_audio_buffer.commit' });
    send({ type: 'session.update', session: { type: 'transcription' } });
    status('Finishing the last words…');
}

export function init() {
    $('#dictate-start').addEventListener('click', () => guarded(start).then(() => { if (session && session.ws.readyState !== WebSocket.OPEN) ended(); }));
    $('#dictate-stop').addEventListener('click', stop);
}
