// One plain-mode live session of bench/voice-open: the times from the
// WebSocket's connect to the server's `ready` (the session opened: worker
// and model) and to its first `partial` and `final`, the audio sent as
// fast as the server takes it. Prints one JSON line.
//
//   node voice_open.mjs URL KEY QUERY WAV   (copied beside
//   tests/integration/js/realtime-client.mjs by bench/voice-open: the
//   `ws` package and readWav come from there)
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { readWav } from './realtime-client.mjs'; // (run from tests/integration/js)

const [url, key, query, wav] = process.argv.slice(2);
const { rate, pcm } = readWav(wav);
const data = Buffer.from(pcm.buffer);
const t0 = performance.now();
const ws = new WebSocket(`${url}?mode=plain&rate=${rate}${query}`, [], { headers: { Authorization: 'Bearer ' + key } });
const out = { ready_ms: null, partial_ms: null, final_ms: null, text: '' };
ws.on('message', (m) => {
    const ev = JSON.parse(m.toString());
    const t = performance.now() - t0;
    if (ev.type === 'ready') {
        out.ready_ms = t;
        for (let o = 0; o < data.length; o += 3200) ws.send(data.subarray(o, o + 3200), { binary: true });
        ws.send(JSON.stringify({ type: 'end' }));
    } else if (ev.type === 'partial' && out.partial_ms === null) {
        out.partial_ms = t;
    } else if (ev.type === 'final') {
        if (out.final_ms === null) out.final_ms = t;
        out.text += (out.text && ev.text ? ' ' : '') + (ev.text || '');
    } else if (ev.type === 'error') {
        console.error(JSON.stringify(ev));
        process.exit(1);
    }
});
ws.on('unexpected-response', (req, res) => { console.error('HTTP ' + res.statusCode); process.exit(1); });
ws.on('error', (e) => { console.error(String(e)); process.exit(1); });
ws.on('close', () => { out.total_ms = performance.now() - t0; console.log(JSON.stringify(out)); });
