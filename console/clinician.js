// Clinician views: upload and follow a recording, read its transcript with
// word timings, download and copy it; the stored transcripts, and delete.
import { api, query } from './api.js';
import { $, el, status, guarded, fillTable, unixTime, saveBlob, copyText, pretty } from './ui.js';

const POLL_MS = 1000;
let roles = [];
let current = null;      // the job shown: {id, job, unredacted}
let localAudio = null;   // object URL of the recording uploaded from this page
let pollTimer = null;

export function setRoles(r) {
    roles = r;
    $('#upload-keep-label').hidden = !roles.includes('phi');
}

export function showUpload() {
    $('#view-transcribe').append($('#result'));
}

// ---- upload and progress ----------------------------------------------------------

async function upload(ev) {
    ev.preventDefault();
    const file = $('#upload-file').files[0];
    if (!file) return;
    stopPolling();
    if (localAudio) URL.revokeObjectURL(localAudio);
    localAudio = URL.createObjectURL(file);
    $('#result').hidden = true;
    const form = new FormData();
    form.append('file', file, file.name);
    if ($('#upload-redact').checked) {
        form.append('redact', 'true');
        if ($('#upload-keep').checked) form.append('keep_unredacted', 'true');
    }
    $('#upload-go').disabled = true;
    try {
        status('Uploading…');
        const job = await api('/v1/transcripts', { method: 'POST', body: form });
        showJob(job);
        if (roles.includes('read')) poll(job.id);
        else status('Uploaded. This key has no read role, so the result cannot be shown here.');
    } finally {
        $('#upload-go').disabled = false;
    }
}

function showJob(job) {
    $('#job').hidden = false;
    $('#job-id').textContent = job.id;
    $('#job-status').textContent = job.status;
    const p = $('#job-progress');
    p.value = job.status === 'completed' ? 1 : (job.progress || 0);
    p.setAttribute('aria-valuetext', `${Math.round(p.value * 100)} percent`);
}

function stopPolling() {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
}

async function poll(id) {
    const job = await guarded(() => api(`/v1/transcripts/${encodeURIComponent(id)}`));
    if (!job) return;
    showJob(job);
    if (job.status === 'queued' || job.status === 'processing') {
        status(`Transcribing… ${Math.round((job.progress || 0) * 100)}%`);
        pollTimer = setTimeout(() => poll(id), POLL_MS);
        return;
    }
    if (job.status === 'failed') {
        status(`The transcription failed: ${job.error && job.error.message ? job.error.message : 'no reason given'}`);
        return;
    }
    status('Transcript ready.');
    showResult(job, localAudio);
}

// ---- the transcript --------------------------------------------------------------------

function showResult(job, audioUrl) {
    current = { id: job.id, job, unredacted: null };
    const player = $('#player');
    if (audioUrl) { player.src = audioUrl; player.hidden = false; } else { player.removeAttribute('src'); player.hidden = true; }
    $('#word-hint').hidden = !audioUrl;
    const toggle = $('#show-unredacted');
    toggle.checked = false;
    $('#unredacted-label').hidden = !(job.keep_unredacted && roles.includes('phi'));
    renderWords(job, Boolean(audioUrl));
    $('#result').hidden = false;
}

// The transcript as the server wrote it (job.text: formatted, unless the
// upload turned formatting off), each formatted piece (job.formatted, with
// the span of the words it replaced) a word that plays from its start; the
// recognised words themselves when the job has no formatted pieces.
function pieces(job) {
    const text = typeof job.text === 'string' ? job.text : '';
    const fmt = Array.isArray(job.formatted) ? job.formatted : null;
    const words = Array.isArray(job.words) ? job.words : [];
    if (!fmt || !fmt.length) {
        return words.flatMap((w, i) => (i ? [' '] : []).concat([{ text: w.word, start: w.start }]));
    }
    const out = [];
    let at = 0;
    for (const f of fmt) {
        const k = text.indexOf(f.text, at);
        if (k < 0) continue;            // not in the text as written: skip it, keep the rest
        if (k > at) out.push(text.slice(at, k));
        const mark = f.n_words === 0;   // punctuation the formatter added
        out.push(mark ? f.text : { text: f.text, start: f.start });
        at = k + f.text.length;
    }
    if (at < text.length) out.push(text.slice(at));
    return out;
}

function renderWords(job, playable) {
    const box = $('#transcript');
    const list = pieces(job);
    if (!list.some(p => typeof p === 'object')) { box.textContent = job.text || ''; return; }
    let first = true;
    const parts = list.map(p => {
        if (typeof p === 'string') return document.createTextNode(p);
        const marker = /^\[[A-Z_]+\]$/.test(p.text);
        const title = `${Number(p.start).toFixed(2)} s`;
        if (!playable) return el('span', { class: marker ? 'redacted' : null, title }, p.text);
        // one Tab stop for the whole transcript; arrows move word to word
        const b = el('button', {
            type: 'button', class: marker ? 'word redacted' : 'word', tabindex: first ? '0' : '-1',
            'data-start': p.start, title, onclick: () => playFrom(p.start),
        }, p.text);
        first = false;
        return b;
    });
    box.replaceChildren(...parts);
}

// Left/Right (and Home/End) move between the words of the transcript.
function wordKeys(ev) {
    const words = [...$('#transcript').querySelectorAll('button.word')];
    const at = words.indexOf(document.activeElement);
    if (at < 0) return;
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: words.length - 1 }[ev.key];
    if (to === undefined || to < 0 || to >= words.length) return;
    ev.preventDefault();
    words[at].tabIndex = -1;
    words[to].tabIndex = 0;
    words[to].focus();
}

function playFrom(t) {
    const player = $('#player');
    player.currentTime = t;
    player.play().catch(() => status('The browser could not play this recording.'));
}

async function toggleUnredacted() {
    if (!current) return;
    const on = $('#show-unredacted').checked;
    if (on && !current.unredacted) {
        current.unredacted = await guarded(() => api(`/v1/transcripts/${encodeURIComponent(current.id)}/unredacted`));
        if (!current.unredacted) { $('#show-unredacted').checked = false; return; }
    }
    renderWords(on ? current.unredacted : current.job, !$('#player').hidden);
}

function resultPath() {
    const base = `/v1/transcripts/${encodeURIComponent(current.id)}`;
    return $('#show-unredacted').checked ? `${base}/unredacted` : base;
}

async function download(format) {
    if (!current) return;
    const blob = await api(`${resultPath()}?format=${format}`, { as: 'blob' });
    saveBlob(blob, `${current.id}.${format === 'text' ? 'txt' : format}`);
}

async function copyTranscript() {
    if (!current) return;
    await copyText(await api(`${resultPath()}?format=text`, { as: 'text' }));
}

// ---- stored transcripts ----------------------------------------------------------------

export async function showList() {
    $('#deleted').hidden = true;
    const list = await api(`/v1/transcripts${query({ limit: 50 })}`);
    fillTable($('#list'), list.data.map(job => el('tr', {},
        el('td', { class: 'mono' }, job.id),
        el('td', {}, unixTime(job.created_at)),
        el('td', {}, job.status),
        el('td', {}, job.duration ? `${job.duration.toFixed(1)} s` : ''),
        el('td', {},
            job.status === 'completed'
                ? el('button', { type: 'button', onclick: () => guarded(() => openStored(job.id)), 'aria-label': `Open ${job.id}` }, 'Open')
                : '',
            ' ',
            roles.includes('delete')
                ? el('button', { type: 'button', class: 'danger', onclick: () => guarded(() => remove(job.id)), 'aria-label': `Delete ${job.id}` }, 'Delete')
                : ''))));
    status(`${list.data.length} transcript(s).`);
}

async function openStored(id) {
    const job = await api(`/v1/transcripts/${encodeURIComponent(id)}`);
    $('#view-transcripts').append($('#result'));
    showResult(job, null);
    $('#transcript').focus();
}

async function remove(id) {
    if (!window.confirm(`Delete ${id}? The recording and transcript are destroyed for good.`)) return;
    const r = await api(`/v1/transcripts/${encodeURIComponent(id)}`, { method: 'DELETE' });
    if (current && current.id === id) { $('#result').hidden = true; current = null; }
    await showList();
    $('#deleted-cert').textContent = r.certificate ? pretty(r.certificate) : 'Nothing of this job had a key left; no certificate was needed.';
    $('#deleted').hidden = false;
    status(`Deleted ${id}.`);
    $('#deleted-cert').focus();
}

export function init() {
    $('#upload-form').addEventListener('submit', ev => guarded(() => upload(ev)));
    $('#upload-redact').addEventListener('change', () => { if (!$('#upload-redact').checked) $('#upload-keep').checked = false; });
    $('#show-unredacted').addEventListener('change', () => guarded(toggleUnredacted));
    $('#copy-text').addEventListener('click', () => guarded(copyTranscript));
    for (const b of document.querySelectorAll('.downloads button'))
        b.addEventListener('click', () => guarded(() => download(b.dataset.format)));
    $('#list-refresh').addEventListener('click', () => guarded(showList));
    $('#transcript').setAttribute('tabindex', '-1');
    $('#transcript').addEventListener('keydown', wordKeys);
}
