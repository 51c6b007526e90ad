// Drives phiscribe with the official openai package, unchanged: only baseURL
// and apiKey point at our server. Usage (with NODE_EXTRA_CA_CERTS set to the
// test CA): node sdk-test.mjs BASEURL KEY FILE [M4A]
import fs from "node:fs";
import OpenAI from "openai";

const [baseURL, apiKey, file, m4a] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
let failures = 0;
const check = (cond, what) => {
  console.log(`${cond ? "ok" : "FAIL"}: ${what}`);
  if (!cond) failures++;
};

const models = await client.models.list();
check(models.data.some((m) => m.id === "phiscribe-en-us"), "models.list");
const model = await client.models.retrieve("phiscribe-en-us");
check(model.id === "phiscribe-en-us" && model.object === "model", "models.retrieve");
try {
  await client.models.retrieve("no-such-model");
  check(false, "models.retrieve of an unknown id rejected");
} catch (e) {
  check(e.status === 404 && e instanceof OpenAI.NotFoundError, `NotFoundError 404: ${e.message}`);
}

// OpenAI's other fields, as the SDK sends them (include[], a string
// chunking_strategy; below an object one), are taken.
const base = {
  file: fs.createReadStream(file), model: "whisper-1", include: ["logprobs"],
  chunking_strategy: "auto",
};
const json = await client.audio.transcriptions.create(base);
check(typeof json.text === "string" && json.text.includes("young man"), `json: ${json.text}`);
check(Array.isArray(json.logprobs) && json.logprobs.length > 3, "json: include[]=logprobs");

// a phone's voice memo as an app uploads it (M4A, AAC)
if (m4a) {
  const memo = await client.audio.transcriptions.create({ file: fs.createReadStream(m4a), model: "whisper-1" });
  check(memo.text.toLowerCase().includes("fellow"), `m4a: ${memo.text}`);
}

for (const fmt of ["text", "srt", "vtt"]) {
  const out = await client.audio.transcriptions.create({
    file: fs.createReadStream(file), model: "whisper-1", response_format: fmt,
  });
  const s = String(out);
  const shape = fmt === "text" ? s.includes("young man")
    : fmt === "srt" ? /^1\n\d\d:\d\d:\d\d,\d{3} --> /.test(s)
    : s.startsWith("WEBVTT");
  check(shape, `${fmt}: ${JSON.stringify(s.slice(0, 60))}`);
}

const verbose = await client.audio.transcriptions.create({
  file: fs.createReadStream(file), model: "whisper-1", response_format: "verbose_json",
  timestamp_granularities: ["word", "segment"], language: "en", temperature: 0,
  chunking_strategy: { type: "server_vad", threshold: 0.5, prefix_padding_ms: 300,
                       silence_duration_ms: 200 },
});
check(verbose.task === "transcribe" && verbose.duration > 2, "verbose_json task/duration");
check(Array.isArray(verbose.segments) && verbose.segments.length > 0, "verbose_json segments");
check(Array.isArray(verbose.words) && verbose.words.length > 3 &&
      verbose.words.every((w) => typeof w.word === "string" && w.end > w.start),
      "verbose_json word timestamps");

try {
  await client.audio.transcriptions.create({
    file: fs.createReadStream(file), model: "whisper-1", response_format: "docx",
  });
  check(false, "bad response_format rejected");
} catch (e) {
  check(e.status === 400 && e.error?.param === "response_format", `APIError 400: ${e.message}`);
}

try {
  await client.audio.transcriptions.create({
    file: fs.createReadStream(file), model: "whisper-1", smart_fromat: false,
  });
  check(false, "misspelt field rejected");
} catch (e) {
  check(e.status === 400 && e instanceof OpenAI.BadRequestError &&
        e.error?.param === "smart_fromat" && e.error?.code === "unknown_field",
        `unknown field 400: ${e.message}`);
}

const bad = new OpenAI({ baseURL, apiKey: "phs_wrong", maxRetries: 0 });
try {
  await bad.models.list();
  check(false, "bad key rejected");
} catch (e) {
  check(e.status === 401 && e instanceof OpenAI.AuthenticationError, "AuthenticationError 401");
}
process.exit(failures ? 1 : 0);
