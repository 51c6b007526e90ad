// Compliance views: the audit trail with filters and chain verification,
// destruction certificates checked in the browser, the breach report.
import { api, query } from './api.js';
import { $, el, status, guarded, fillTable, isoTime, pretty } from './ui.js';

const SHOWN_MAX = 500; // newest records shown; the count says how many matched

// ---- audit trail -------------------------------------------------------------------------

export async function showTrail() {
    await loadTrail();
}

async function loadTrail() {
    const f = new FormData($('#audit-form'));
    const params = { since: f.get('since'), until: f.get('until'), actor: f.get('actor'), action: f.get('action'), format: 'jsonl' };
    const text = await api(`/v1/audit${query(params)}`, { as: 'text' });
    const outcome = f.get('outcome');
    const records = text.split('\n').filter(Boolean).map(l => JSON.parse(l))
        .filter(r => r.type === 'record' && (!outcome || r.outcome === outcome));
    records.reverse();
    const shown = records.slice(0, SHOWN_MAX);
    fillTable($('#audit-table'), shown.map(r => el('tr', {},
        el('td', {}, r.tseq),
        el('td', {}, isoTime(r.time)),
        el('td', { class: 'mono' }, r.actor || ''),
        el('td', {}, r.action),
        el('td', { class: 'mono' }, [r.resource_type, r.resource_id].filter(Boolean).join(' ')),
        el('td', { class: r.outcome === 'success' ? 'ok' : 'bad' }, r.outcome),
        el('td', {}, r.http_status ?? ''),
        el('td', { class: 'mono' }, r.request_id || ''))));
    $('#audit-count').textContent = records.length > SHOWN_MAX
        ? `${records.length} records match; the newest ${SHOWN_MAX} are shown.`
        : `${records.length} record(s), newest first.`;
}

async function verifyChain() {
    const out = $('#audit-verify-result');
    out.textContent = 'Verifying…';
    out.className = 'result';
    const v = await api('/v1/audit/verify');
    out.textContent = v.intact
        ? `Intact: the whole trail verified; ${v.records} record(s) of ${v.tenant}, chain head ${v.chain_hash.slice(0, 16)}…`
        : `NOT intact: ${v.message || 'the trail failed verification.'}`;
    out.className = v.intact ? 'result ok' : 'result bad';
}

// ---- certificates ----------------------------------------------------------------------

const hexBytes = h => new Uint8Array((h.match(/../g) || []).map(b => parseInt(b, 16)));
const toHex = buf => Array.from(new Uint8Array(buf), b => b.toString(16).padStart(2, '0')).join('');

// The canonical form a certificate's signature covers (docs/CERTIFICATES.md).
function canonical(c) {
    const enc = new TextEncoder();
    const t = (n, v) => `${n}=s${enc.encode(v).length}:${v}\n`;
    const i = (n, v) => `${n}=i${v}\n`;
    let out = 'phiscribe-destruction-certificate/1\n';
    for (const k of ['id', 'issued_at', 'node', 'tenant', 'resource_type', 'resource_id']) out += t(k, c[k]);
    out += t('destroyed', c.destroyed.join(','));
    for (const k of ['method', 'sanitization_level', 'tool', 'requested_by', 'reason']) out += t(k, c[k]);
    out += i('audit_seq', c.audit_seq) + i('objects', c.objects.length);
    for (const o of c.objects)
        out += t('object', [o.id, o.kind, o.sha256 || '-', o.bytes === null ? '-' : String(o.bytes), o.created_at].join(' '));
    const v = c.verification;
    out += t('verification', v.performed) + i('verified_keys_erased', v.data_keys_erased);
    out += i('verified_blobs_absent', v.blob_files_absent);
    out += v.tenant_key_erased === null ? 'tenant_key_erased=n\n' : i('tenant_key_erased', v.tenant_key_erased ? 1 : 0);
    out += t('signing_key', c.signing_key);
    return enc.encode(out);
}

// 'valid' or why not.
export async function verifyCertificate(c, pubHex) {
    if (!/^[0-9a-f]{64}$/.test(pubHex)) return 'no usable public key';
    const pub = hexBytes(pubHex);
    const digest = toHex(await crypto.subtle.digest('SHA-256', pub));
    if (digest !== c.signing_key) return 'signed by another key';
    const key = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
    const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, hexBytes(c.signature), canonical(c));
    return ok ? 'valid' : 'signature INVALID';
}

export async function showCertificates() {
    const pubField = $('#cert-pub');
    // The server's keys: the anchor made at init and, after a signing key
    // rotation, the key in force (certificates carry the one that signed).
    const keys = await api('/v1/audit/public-key');
    const served = [keys.current_public_key, keys.public_key].filter(Boolean);
    if (!pubField.value) pubField.value = served[0];
    const list = await api(`/v1/certificates${query({ limit: 50 })}`);
    const rows = [];
    for (const c of list.data) {
        let verdict;
        try {
            const given = pubField.value.trim().toLowerCase();
            // A key typed in is the only one tried; the served ones are
            // tried in turn (a certificate from before a rotation).
            const tries = served.includes(given) ? served : [given];
            for (const k of tries) {
                verdict = await verifyCertificate(c, k);
                if (verdict !== 'signed by another key') break;
            }
        } catch (e) { verdict = `not checked: ${e.message}`; }
        const pre = el('pre', { class: 'json', tabindex: '0' }, pretty(c));
        rows.push(el('tr', {},
            el('td', { class: 'mono' }, el('details', {}, el('summary', {}, c.id), pre)),
            el('td', {}, isoTime(c.issued_at)),
            el('td', { class: 'mono' }, `${c.resource_type} ${c.resource_id}`),
            el('td', {}, c.reason),
            el('td', { class: verdict === 'valid' ? 'ok' : 'bad', 'data-verdict': verdict }, verdict)));
    }
    fillTable($('#cert-table'), rows);
    status(`${list.data.length} certificate(s).`);
}

// ---- breach report -------------------------------------------------------------------

export async function showReport() { /* built on demand */ }

async function buildReport(ev) {
    ev.preventDefault();
    const f = new FormData($('#report-form'));
    const params = { actor: f.get('actor'), since: f.get('since'), until: f.get('until'), format: 'text' };
    $('#report-out').textContent = await api(`/v1/audit/report${query(params)}`, { as: 'text' });
    status('Report built.');
}

// ---- the doctor's checks of this tenant -----------------------------------------------

export async function showDoctor() {
    const d = await api('/v1/doctor');
    fillTable($('#doctor-table'), d.checks.map(c => el('tr', {},
        el('td', { class: c.status === 'pass' ? 'ok' : 'bad' }, c.status),
        el('td', {}, c.check),
        el('td', {}, c.safeguard),
        el('td', {}, c.detail))));
    const sum = $('#doctor-summary');
    sum.textContent = `${d.checks.length} checks: ${d.fails} failed, ${d.warns} warnings.`;
    sum.className = d.fails ? 'result bad' : 'result ok';
}

export function init() {
    $('#audit-form').addEventListener('submit', ev => { ev.preventDefault(); guarded(loadTrail); });
    $('#audit-verify').addEventListener('click', () => guarded(verifyChain));
    $('#cert-refresh').addEventListener('click', () => guarded(showCertificates));
    $('#report-form').addEventListener('submit', ev => guarded(() => buildReport(ev)));
    $('#doctor-run').addEventListener('click', () => guarded(showDoctor));
}
