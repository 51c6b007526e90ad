// The official openai package's Realtime client (OpenAIRealtimeWS, over the
// ws package), unchanged, as a client of phiscribe's /v1/realtime: plays a
// script of client events and writes every server event to OUT/events.jsonl
// (one JSON a line), for tests/integration/test_realtime_openai.sh.
//
//   node sdk-realtime.mjs BASE_URL KEY OUT SCRIPT.json [beta | secret=BODY.json]
//
// BASE_URL is the API's (https://HOST:PORT/v1; the client makes it wss and
// adds /realtime?model=...). SCRIPT is a list of steps: a client event (sent
// as it is); {"audio": FILE, "chunk": BYTES} (FILE's bytes appended, chunk
// by chunk, base64); {"until": TYPE, "count": N} (wait for the Nth server
// event of TYPE, 300 s at most: a loaded machine is slow). With "beta" the client sends the header
// OpenAI-Beta: realtime=v1. With secret=BODY.json the client first asks for
// a client secret with KEY (client.realtime.clientSecrets.create(BODY)),
// writes the reply to OUT/secret.json and connects with the secret as its
// API key, as an application hands one to a browser. Prints the completed
// transcripts, one a line; exits 1 on a timeout or an unexpected close, 3
// (printing "HTTP STATUS") when the handshake is refused.
import fs from 'node:fs';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';

const [base, key, out, script, how = ''] = process.argv.slice(2);
let client = new OpenAI({ apiKey: key, baseURL: base });
if (how.startsWith('secret=')) {
    const secret = await client.realtime.clientSecrets.create(JSON.parse(fs.readFileSync(how.slice(7))));
    fs.writeFileSync(out + '/secret.json', JSON.stringify(secret));
    client = new OpenAI({ apiKey: secret.value, baseURL: base });
}
const options = how === 'beta' ? { headers: { 'OpenAI-Beta': 'realtime=v1' } } : {};
const rt = new OpenAIRealtimeWS({ model: 'gpt-4o-transcribe', options }, client);
const log = fs.createWriteStream(out + '/events.jsonl');
const seen = {}, waiters = [], transcripts = [];
const fail = (msg) => { console.error('FAIL: ' + msg); process.exit(1); };

rt.on('event', (ev) => {
    log.write(JSON.stringify(ev) + '\n');
    seen[ev.type] = (seen[ev.type] || 0) + 1;
    if (ev.type === 'conversation.item.input_audio_transcription.completed') transcripts.push(ev.transcript);
    for (const w of waiters.splice(0)) w();
});
rt.on('error', () => {}); // error events are in the log; the script checks them
rt.socket.on('unexpected-response', (req, res) => { console.log('HTTP ' + res.statusCode); process.exit(3); });
rt.socket.on('close', (code) => {
    if (!done) fail('closed ' + code + ' before the script ended');
});
let done = false;

const until = (type, count) => new Promise((resolve) => {
    const timer = setTimeout(() => fail('no ' + type + ' #' + count + ' in 300 s'), 300000);
    const check = () => {
        if ((seen[type] || 0) >= count) { clearTimeout(timer); resolve(); } else waiters.push(check);
    };
    check();
});

rt.socket.on('open', async () => {
    for (const step of JSON.parse(fs.readFileSync(script))) {
        if (step.until) {
            await until(step.until, step.count || 1);
        } else if (step.audio) {
            const bytes = fs.readFileSync(step.audio), chunk = step.chunk || 4800;
            for (let o = 0; o < bytes.length; o += chunk)
                rt.send({ type: 'input_audio_buffer.append', audio: bytes.subarray(o, o + chunk).toString('base64') });
        } else {
            rt.send(step);
        }
    }
    done = true;
    rt.close();
    log.end(() => { console.log(transcripts.join('\n')); process.exit(0); });
});
