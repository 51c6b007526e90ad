// The official openai package's streaming loop against phiscribe, unchanged:
// only baseURL and apiKey point at our server. Prints each delta on a line
// of its own ("delta: ..."), then the done text as the last line. Fails on
// an event of another type, on deltas that do not join to the done text, and
// when the loop ends without a done event.
// Usage (NODE_EXTRA_CA_CERTS set to the test CA): node sdk-stream.mjs BASEURL KEY FILE
import fs from "node:fs";
import OpenAI from "openai";

const [baseURL, apiKey, file] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const stream = await client.audio.transcriptions.create({
  file: fs.createReadStream(file), model: "whisper-1", stream: true,
});
let joined = "";
let done = null;
for await (const ev of stream) {
  if (ev.type === "transcript.text.delta") {
    if (done !== null) throw new Error("a delta after done");
    joined += ev.delta;
    console.log(`delta: ${ev.delta}`);
  } else if (ev.type === "transcript.text.done") {
    done = ev.text;
  } else {
    throw new Error(`unexpected event ${JSON.stringify(ev)}`);
  }
}
if (done === null) throw new Error("the stream ended without transcript.text.done");
if (joined !== done) throw new Error(`deltas ${JSON.stringify(joined)} != done ${JSON.stringify(done)}`);
console.log(done);
