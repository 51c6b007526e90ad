// The web console (/console/) in headless Debian chromium, driven by
// puppeteer-core, against a real server: a clinician uploads a recording and
// reads its transcript, deletes it and sees the certificate; an auditor sees
// the request in the audit trail, verifies the chain and the certificate; an
// admin creates a key and revokes one, which is then refused; a reload signs
// out. Every request the page makes is intercepted: one leaving the origin
// fails the test. Screenshots of each view go to SHOTS.
//
// The fake microphone plays MIC_WAV (WAV when not given) once. The audio the
// dictation sent (its input_audio_buffer.append events, read off the wire)
// goes to SENT_WAV, for the caller to compare with MIC_WAV and with the
// dictation's text.
//
//   node console-test.mjs URL CLINICIAN_KEY AUDIT_KEY ADMIN_KEY VICTIM_KEY WAV SHOTS SENT_WAV [MIC_WAV]
// Prints one JSON object with what it saw; exits non-zero on any failure.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import puppeteer from 'puppeteer-core';

const [base, kClin, kAudit, kAdmin, kVictim, wav, shots, sentWav, micArg] = process.argv.slice(2);
const mic = micArg || wav;
const origin = new URL(base).origin;
const keyId = k => k.slice(4, 16);
const seen = { requests: 0, offOrigin: [], keyInUrl: 0, errors: [], shots: [] };
const assert = (cond, what) => { if (!cond) throw new Error(`assertion failed: ${what}`); };

fs.mkdirSync(shots, { recursive: true });
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'phs-console-'));
const browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    // the test server's certificate is the test's own
    args: ['--no-sandbox', '--ignore-certificate-errors', '--disable-gpu',
        '--autoplay-policy=no-user-gesture-required', '--mute-audio',
        // the microphone: the recording once, then silence
        '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${mic}%noloop`],
});

let page;
const t0 = Date.now();
seen.ms = {};
// What a screen reader and a keyboard user need of every view: the page's
// language, one main landmark, a heading, and an accessible name on every
// visible control (label, aria-label/labelledby, or a button's own text),
// no positive tabindex (which breaks the Tab order), alt text on images.
async function a11y(view) {
    const bad = await page.evaluate(() => {
        const out = [];
        const shown = e => !e.hidden && e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden';
        const name = e => {
            if (e.getAttribute('aria-label')) return e.getAttribute('aria-label');
            const by = e.getAttribute('aria-labelledby');
            if (by) return by.split(/\s+/).map(id => document.getElementById(id)?.textContent || '').join(' ');
            if (e.labels && e.labels.length) return [...e.labels].map(l => l.textContent).join(' ');
            if (e.tagName === 'BUTTON' || e.getAttribute('role') === 'button') return e.textContent;
            return e.getAttribute('title') || '';
        };
        if (!document.documentElement.lang) out.push('html without lang');
        if (document.querySelectorAll('main, [role=main]').length !== 1) out.push('not exactly one main landmark');
        if (![...document.querySelectorAll('h1, h2')].some(shown)) out.push('no visible heading');
        for (const e of document.querySelectorAll('input, select, textarea, button, [role=button], a[href]')) {
            if (!shown(e) || e.type === 'hidden') continue;
            const n = (e.tagName === 'A' ? e.textContent || e.getAttribute('aria-label') : name(e)) || '';
            if (!n.trim()) out.push(`${e.tagName.toLowerCase()}#${e.id || '?'} has no accessible name`);
        }
        for (const e of document.querySelectorAll('[tabindex]'))
            if (e.tabIndex > 0) out.push(`${e.tagName.toLowerCase()}#${e.id || '?'} has tabindex ${e.tabIndex}`);
        for (const e of document.querySelectorAll('img'))
            if (!e.hasAttribute('alt')) out.push(`img ${e.src} without alt`);
        return out;
    });
    assert(bad.length === 0, `accessible ${view}: ${bad.join('; ')}`);
    seen.a11yViews = (seen.a11yViews || 0) + 1;
}
async function shot(name) {
    await a11y(name);
    seen.ms[name] = Date.now() - t0;
    const file = path.join(shots, `${name}.png`);
    await page.screenshot({ path: file });
    seen.shots.push(file);
}
const text = sel => page.$eval(sel, e => e.textContent);
const visible = sel => page.$eval(sel, e => !e.hidden && e.offsetParent !== null);
async function signIn(key) {
    await page.waitForSelector('input[name=api_key]', { visible: true });
    await page.type('input[name=api_key]', key);
    await page.keyboard.press('Enter');
}
async function signInAs(key) {
    await signIn(key);
    await page.waitForSelector('#tabs button', { visible: true });
}
async function openTab(label) {
    const buttons = await page.$$('#tabs button');
    for (const b of buttons) {
        if ((await b.evaluate(e => e.textContent)) === label) { await b.click(); return; }
    }
    throw new Error(`no tab ${label}`);
}
async function signOut() {
    await Promise.all([page.waitForNavigation(), page.click('#sign-out')]);
}

try {
    page = await browser.newPage();
    // Every wait without a timeout of its own (puppeteer's default: 30 s) is
    // for a state the page reaches, not for a time: 300 s only tells stuck
    // from slow (a whole CI on a loaded machine beside it).
    page.setDefaultTimeout(300000);
    await page.setViewport({ width: 1280, height: 800 });
    // the microphone track the page gets, as the browser set it up: a
    // recogniser wants the sound as spoken, not levelled (automatic gain
    // clipped the fake microphone's loud syllables) or filtered
    await page.evaluateOnNewDocument(() => {
        const md = navigator.mediaDevices, get = md.getUserMedia.bind(md);
        md.getUserMedia = async c => {
            const s = await get(c);
            const t = s.getAudioTracks()[0].getSettings();
            window.phsMicSettings = { autoGainControl: t.autoGainControl, noiseSuppression: t.noiseSuppression };
            return s;
        };
    });
    page.on('dialog', d => d.accept());
    page.on('pageerror', e => seen.errors.push(`pageerror: ${e.message}`));
    page.on('console', m => { if (m.type() === 'error') seen.errors.push(`console: ${m.text()}`); });
    page.on('response', r => { if (r.status() >= 400) seen.errors.push(`HTTP ${r.status()} ${new URL(r.url()).pathname}`); });
    await page.setRequestInterception(true);
    page.on('request', r => {
        const u = r.url();
        seen.requests++;
        if (/phs_[A-Za-z0-9]/.test(u)) seen.keyInUrl++;
        if (u.startsWith('blob:') || u.startsWith('data:') || new URL(u).origin === origin) r.continue();
        else { seen.offOrigin.push(u); r.abort(); }
    });

    // ---- the page and its headers ------------------------------------------------
    const resp = await page.goto(`${origin}/console/`);
    const h = resp.headers();
    seen.csp = h['content-security-policy'] || '';
    assert(resp.status() === 200, 'console page 200');
    for (const d of ["script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"])
        assert(seen.csp.includes(d), `CSP has ${d}`);
    assert(!/unsafe-inline|unsafe-eval/.test(seen.csp), 'CSP allows no inline code or eval');
    assert(h['strict-transport-security'] && h['x-content-type-options'] === 'nosniff' && h['cache-control'] === 'no-store', 'HSTS, nosniff, no-store');
    await shot('1-signin');

    // ---- clinician -------------------------------------------------------------
    await signInAs(kClin);
    const clinTabs = await page.$$eval('#tabs button', bs => bs.map(b => b.textContent));
    seen.clinicianTabs = clinTabs;
    assert(!clinTabs.includes('Keys') && !clinTabs.includes('Audit trail'), 'clinician sees no admin or audit view');
    const file = await page.$('input[type=file]');
    await file.uploadFile(wav);
    await page.click('#upload-redact');
    await page.click('#upload-keep');   // the key has phi: keep an unredacted copy
    await page.click('#upload-go');
    await page.waitForFunction(() => document.querySelector('[data-testid=transcript]').textContent.trim().length > 0
        || !document.querySelector('#alert').hidden, { timeout: 300000 });
    assert(await page.$eval('#alert', e => e.hidden), 'no error after the upload');
    seen.jobId = await text('#job-id');
    seen.transcript = (await text('[data-testid=transcript]')).trim();
    const served = await page.evaluate(async (id, k) => {
        const r = await fetch(`/v1/transcripts/${id}?format=text`, { headers: { Authorization: `Bearer ${k}` } });
        return r.text();
    }, seen.jobId, kClin);
    assert(served.trim().split(/\s+/).join(' ') === seen.transcript.split(/\s+/).join(' '),
        `page transcript equals the server's text (${JSON.stringify(served)})`);
    // a word plays the local recording from its start time
    const words = await page.$$('[data-testid=transcript] button.word');
    assert(words.length > 2, 'words are buttons');
    // by keyboard: the first word is the transcript's one Tab stop, arrows move on
    assert((await page.$$eval('[data-testid=transcript] button.word', bs => bs.filter(b => b.tabIndex === 0).length)) === 1, 'one Tab stop in the transcript');
    await words[0].focus();
    const mid = Math.floor(words.length / 2);
    for (let i = 0; i < mid; i++) await page.keyboard.press('ArrowRight');
    const target = words[mid];
    assert(await target.evaluate(e => e === document.activeElement), 'arrow keys move to the next words');
    const start = Number(await target.evaluate(e => e.dataset.start));
    await page.keyboard.press('Enter');
    await page.waitForFunction(s => {
        const p = document.querySelector('#player');
        return p.src.startsWith('blob:') && Math.abs(p.currentTime - s) < 0.5;
    }, { timeout: 300000 }, start);
    seen.wordSeek = start;
    // a download: the srt rendering, saved by the browser, is the server's
    const downloads = path.join(profile, 'downloads');
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await page.click('.downloads button[data-format=srt]');
    const saved = path.join(downloads, `${seen.jobId}.srt`);
    for (let i = 0; !fs.existsSync(saved); i++) {
        assert(i < 600, 'the srt download arrives');
        await new Promise(r => setTimeout(r, 100));
    }
    const srt = await page.evaluate(async (id, k) => (await fetch(`/v1/transcripts/${id}?format=srt`, { headers: { Authorization: `Bearer ${k}` } })).text(), seen.jobId, kClin);
    assert(fs.readFileSync(saved, 'utf8') === srt, 'the downloaded srt is the server\'s');
    seen.srtBytes = srt.length;
    // the unredacted copy (redact + keep_unredacted, a key with phi)
    assert(await visible('#unredacted-label'), 'the unredacted toggle is offered');
    const unredacted = page.waitForResponse(r => r.url().endsWith(`/v1/transcripts/${seen.jobId}/unredacted`) && r.status() === 200);
    await page.click('#show-unredacted');
    await unredacted;
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=transcript] button.word').length > 0);
    seen.unredacted = (await text('[data-testid=transcript]')).trim();
    await shot('2-transcribe');

    // dictation: the (fake) microphone through /v1/realtime. Every audio
    // event the page sends is kept as it went out (the browser's own record
    // of its WebSocket frames): what the server heard, glitches and all.
    const sentPcm = [];
    const wire = await page.createCDPSession();
    await wire.send('Network.enable');
    wire.on('Network.webSocketFrameSent', e => {
        let m;
        try { m = JSON.parse(e.response.payloadData); } catch { return; }
        if (m && m.type === 'input_audio_buffer.append') sentPcm.push(Buffer.from(m.audio, 'base64'));
    });
    // and every utterance's result the server sent it, as it came in: what
    // the page must show, whatever the server made of the audio
    const heard = [];
    wire.on('Network.webSocketFrameReceived', e => {
        let m;
        try { m = JSON.parse(e.response.payloadData); } catch { return; }
        if (m && m.type === 'conversation.item.input_audio_transcription.completed') heard.push(m.transcript);
    });
    await openTab('Dictate');
    await page.click('#dictate-start');
    const wavSeconds = (fs.statSync(mic).size - 44) / 32000;
    await page.waitForFunction(n => Number(document.querySelector('#dictation').dataset.sentSamples || 0) >= n
        || !document.querySelector('#alert').hidden, { timeout: 300000 }, Math.ceil((wavSeconds + 1) * 24000));
    assert(await page.$eval('#alert', e => e.hidden), 'dictation started');
    seen.micSettings = await page.evaluate(() => window.phsMicSettings);
    assert(seen.micSettings && seen.micSettings.autoGainControl === false && seen.micSettings.noiseSuppression === false,
        `the microphone without the browser's gain control and noise suppression (${JSON.stringify(seen.micSettings)})`);
    await page.click('#dictate-stop');
    await page.waitForSelector('#dictate-start', { visible: true, timeout: 300000 });
    // its utterances, a paragraph each, one after the other
    seen.dictation = (await page.$$eval('[data-testid=dictation] p', ps => ps.map(p => p.textContent.trim()).join(' '))).trim();
    assert(seen.dictation.split(/\s+/).filter(Boolean).length >= 3, `dictation heard words (${JSON.stringify(seen.dictation)})`);
    // Whether the words are right is the caller's check, against the file
    // endpoint's reading of this very audio: under load the fake
    // microphone's capture can skip, and then the upload's words are not
    // what was said into the dictation.
    const pcm = Buffer.concat(sentPcm);
    await wire.detach();
    seen.heard = heard.join(' ').trim();
    seen.sentSamples = pcm.length / 2;
    assert(seen.sentSamples === Number(await page.$eval('#dictation', e => e.dataset.sentSamples)),
        `every audio event the page counted went out (${seen.sentSamples} samples seen)`);
    const head = Buffer.alloc(44);
    head.write('RIFF', 0); head.writeUInt32LE(36 + pcm.length, 4); head.write('WAVEfmt ', 8);
    head.writeUInt32LE(16, 16); head.writeUInt16LE(1, 20); head.writeUInt16LE(1, 22);
    head.writeUInt32LE(24000, 24); head.writeUInt32LE(48000, 28); head.writeUInt16LE(2, 32);
    head.writeUInt16LE(16, 34); head.write('data', 36); head.writeUInt32LE(pcm.length, 40);
    fs.writeFileSync(sentWav, Buffer.concat([head, pcm]));
    await shot('3-dictate');

    await openTab('Transcripts');
    await page.waitForFunction(id => document.querySelector('#list tbody').textContent.includes(id), {}, seen.jobId);
    await shot('4-transcripts');
    await page.click(`button[aria-label="Delete ${seen.jobId}"]`);
    await page.waitForSelector('#deleted', { visible: true });
    const cert = JSON.parse(await text('#deleted-cert'));
    assert(cert.object === 'destruction_certificate' && cert.resource_id === seen.jobId, 'delete shows the certificate');
    seen.certificate = cert.id;
    await shot('5-deleted');
    await signOut();

    // ---- auditor -------------------------------------------------------------------
    await signInAs(kAudit);
    await page.waitForFunction(id => document.querySelector('#audit-table tbody').textContent.includes(id), { timeout: 300000 }, seen.jobId);
    const rows = await page.$$eval('#audit-table tbody tr', trs => trs.map(tr => [...tr.cells].map(c => c.textContent)));
    const create = rows.find(r => r[3] === 'transcript.create' && r[4].includes(seen.jobId));
    assert(create && create[2] === keyId(kClin) && create[5] === 'success', 'the upload is in the audit view, by the clinician\'s key');
    seen.auditRows = rows.length;
    // filters: the outcome filter leaves only that outcome
    await page.select('#audit-form select[name=outcome]', 'success');
    await page.click('#audit-form button[type=submit]');
    await page.waitForFunction(() => [...document.querySelectorAll('#audit-table tbody tr')].every(tr => tr.cells[5] && tr.cells[5].textContent === 'success'));
    await page.click('#audit-verify');
    await page.waitForFunction(() => /^Intact/.test(document.querySelector('#audit-verify-result').textContent));
    seen.verify = await text('#audit-verify-result');
    await shot('6-audit');
    await openTab('Certificates');
    await page.waitForSelector('#cert-table td[data-verdict]');
    const verdicts = await page.$$eval('#cert-table tbody tr', trs => trs.map(tr => [tr.cells[2].textContent, tr.cells[4].textContent]));
    const mine = verdicts.find(v => v[0].includes(seen.jobId));
    assert(mine && mine[1] === 'valid', `the deletion's certificate verifies in the browser (${JSON.stringify(verdicts)})`);
    seen.certificatesValid = verdicts.filter(v => v[1] === 'valid').length;
    seen.certificates = verdicts.length;
    await shot('7-certificates');
    await openTab('Breach report');
    await page.type('#report-form input[name=actor]', keyId(kClin));
    await page.click('#report-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#report-out').textContent.length > 0
        || !document.querySelector('#alert').hidden);
    seen.report = await text('#report-out');
    assert(seen.report.includes(keyId(kClin)), 'the report names the key');
    await shot('8-report');

    await openTab('Checks');
    await page.waitForFunction(() => /checks: 0 failed/.test(document.querySelector('#doctor-summary').textContent));
    seen.doctor = await text('#doctor-summary');
    await shot('9-checks');

    // ---- a reload signs out ----------------------------------------------------------
    await page.reload();
    await page.waitForSelector('input[name=api_key]', { visible: true });
    assert(!(await visible('#tabs')) && !(await visible('#who')), 'after a reload: signed out');
    const stored = await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]);
    assert(stored[0] === 0 && stored[1] === 0 && stored[2] === '', 'nothing kept in storage or cookies');
    seen.reloadSignedOut = true;

    // ---- admin ---------------------------------------------------------------------
    await signInAs(kAdmin);
    await openTab('Keys');
    await page.waitForSelector(`tr[data-key-id="${keyId(kVictim)}"]`);
    await page.click('#key-form input[value=read]');
    await page.type('#key-form input[name=label]', 'console test');
    await page.click('#key-form button[type=submit]');
    await page.waitForSelector('#new-key', { visible: true });
    const newKey = await text('[data-testid=new-key]');
    assert(/^phs_/.test(newKey), 'create shows the key');
    await page.evaluate(k => {  // the screenshot must not show a live key
        document.querySelector('[data-testid=new-key]').textContent = `${k.slice(0, 16)}…`;
    }, newKey);
    await shot('10-keys');
    await page.click('#new-key-hide');
    await page.click(`button[aria-label="Revoke key ${keyId(kVictim)}"]`);
    await page.waitForFunction(id => {
        const tr = document.querySelector(`tr[data-key-id="${id}"]`);
        return tr && tr.cells[4].textContent === 'revoked';
    }, {}, keyId(kVictim));
    await openTab('Profiles');
    await page.waitForSelector('#profile-default option');
    // build a profile from a text file, make it the default, then delete it
    const notes = path.join(profile, 'cardiology.txt');
    fs.writeFileSync(notes, 'patient seen in cardiology clinic for atrial fibrillation\n'
        + 'started apixaban five milligrams twice daily\ncontinue metoprolol and review in six weeks\n');
    await page.type('#profile-form input[name=name]', 'cardiology');
    await (await page.$('#profile-form input[name=text]')).uploadFile(notes);
    await page.click('#profile-form button[type=submit]');
    const hasRow = name => page.waitForFunction(n => [...document.querySelectorAll('#profile-table tbody tr')]
        .some(tr => tr.cells[0].textContent.startsWith(n)) || !document.querySelector('#alert').hidden, { timeout: 300000 }, name);
    await hasRow('cardiology');
    assert(await page.$eval('#alert', e => e.hidden), 'the profile was built');
    await page.select('#profile-default', 'cardiology');
    await page.click('#profile-default-set');
    await hasRow('cardiology (default)');
    seen.profileDefault = (await page.$$eval('#profile-table tbody tr', trs => trs.map(tr => tr.cells[0].textContent))).join(',');
    assert(seen.profileDefault === 'cardiology (default)', `the profile is the default (${seen.profileDefault})`);
    await shot('11-profiles');
    await page.click('button[aria-label="Delete profile cardiology"]');
    await page.waitForFunction(() => /Profile cardiology deleted/.test(document.querySelector('#status').textContent)
        || !document.querySelector('#alert').hidden);
    assert(await page.$eval('#alert', e => e.hidden) && !(await text('#profile-table tbody')).includes('cardiology'), 'the profile was deleted');
    await openTab('Retention');
    await page.waitForFunction(() => document.querySelector('#tenant-transcript').textContent === '30d');
    await page.type('#tenant-form input[name=audio_retention]', '1d');
    await page.click('#tenant-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#tenant-audio').textContent === '1d'
        || !document.querySelector('#alert').hidden);
    assert(await page.$eval('#alert', e => e.hidden), 'retention changed');
    seen.retention = [await text('#tenant-audio'), await text('#tenant-transcript')];
    await shot('12-retention');
    // tablet width: nothing wider than the screen
    await page.setViewport({ width: 768, height: 1024 });
    seen.tabletOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await shot('13-retention-tablet');
    await page.setViewport({ width: 1280, height: 800 });
    seen.desktopOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(seen.tabletOverflow <= 0 && seen.desktopOverflow <= 0, 'fits 1280x800 and 768 wide');
    await signOut();

    // ---- the revoked key is refused -------------------------------------------------
    await signIn(kVictim);
    await page.waitForSelector('#alert', { visible: true });
    seen.refused = await text('#alert');
    assert(/revoked|Incorrect/.test(seen.refused) && !(await visible('#tabs')), 'the revoked key is refused');
    await shot('14-refused');

    assert(seen.offOrigin.length === 0, `requests left the origin: ${seen.offOrigin.join(' ')}`);
    assert(seen.keyInUrl === 0, 'no key in any URL');
    // the refused sign-in logs its 401 as a console error; nothing else may
    const other = seen.errors.filter(e => !/status of 401|^HTTP 401 \/v1\/me$/.test(e));
    assert(other.length === 0, `page errors: ${other.join(' | ')}`);
    console.log(JSON.stringify(seen));
} catch (e) {
    console.error(JSON.stringify(seen));
    throw e;
} finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
}
