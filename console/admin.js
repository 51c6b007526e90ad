// Administrator views: the tenant's API keys and recognition profiles.
import { api } from './api.js';
import { $, el, status, guarded, fillTable, isoTime, copyText, unixTime } from './ui.js';

let me = null;

// ---- keys ---------------------------------------------------------------------------

export async function showKeys(who) {
    me = who;
    const list = await api('/v1/keys');
    fillTable($('#key-table'), list.data.map(k => el('tr', { 'data-key-id': k.id },
        el('td', { class: 'mono' }, k.id, me && k.id === me.id ? ' (this key)' : ''),
        el('td', {}, k.roles.join(', ')),
        el('td', {}, k.label || ''),
        el('td', {}, isoTime(k.expires_at)),
        el('td', { class: k.status === 'active' ? 'ok' : 'bad' }, k.status),
        el('td', {}, k.status === 'active'
            ? el('button', { type: 'button', class: 'danger', 'aria-label': `Revoke key ${k.id}`, onclick: () => guarded(() => revoke(k.id)) }, 'Revoke')
            : ''))));
    status(`${list.data.length} key(s).`);
}

async function createKey(ev) {
    ev.preventDefault();
    const f = new FormData($('#key-form'));
    const roles = f.getAll('role');
    if (!roles.length) throw new Error('Choose at least one role.');
    const body = { roles, expires_in: f.get('expires_in') || null, label: f.get('label') || null };
    const k = await api('/v1/keys', { method: 'POST', body });
    $('#new-key-text').textContent = k.key;
    $('#new-key').hidden = false;
    $('#key-form').reset();
    await showKeys(me);
    status(`Key ${k.id} created.`);
    $('#new-key-copy').focus();
}

async function revoke(id) {
    if (!window.confirm(`Revoke key ${id}? Every request with it is refused from now on.`)) return;
    await api(`/v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
    await showKeys(me);
    status(`Key ${id} revoked.`);
}

// ---- profiles -----------------------------------------------------------------------

export async function showProfiles() {
    const list = await api('/v1/profiles');
    fillTable($('#profile-table'), list.data.map(p => el('tr', {},
        el('td', {}, p.name, list.default === p.name ? ' (default)' : ''),
        el('td', {}, p.base),
        el('td', {}, p.weight),
        el('td', {}, `${Math.round(p.bytes / 1024)} KiB`),
        el('td', {}, unixTime(p.created_at)),
        el('td', {}, el('button', { type: 'button', class: 'danger', 'aria-label': `Delete profile ${p.name}`, onclick: () => guarded(() => removeProfile(p.name)) }, 'Delete')))));
    const names = [...list.builtin, ...list.data.map(p => p.name)];
    $('#profile-default').replaceChildren(
        el('option', { value: '' }, "server's default"),
        ...names.map(n => el('option', { value: n, selected: n === list.default }, n)));
    status(`${list.data.length} profile(s).`);
}

async function createProfile(ev) {
    ev.preventDefault();
    const form = new FormData($('#profile-form'));
    status('Building the profile…');
    await api('/v1/profiles', { method: 'POST', body: form });
    $('#profile-form').reset();
    await showProfiles();
}

async function setDefault() {
    const v = $('#profile-default').value;
    await api('/v1/profiles/default', { method: 'PUT', body: { profile: v || null } });
    await showProfiles();
    status('Default profile set.');
}

async function removeProfile(name) {
    if (!window.confirm(`Delete profile ${name}?`)) return;
    await api(`/v1/profiles/${encodeURIComponent(name)}`, { method: 'DELETE' });
    await showProfiles();
    status(`Profile ${name} deleted.`);
}

// ---- the tenant's retention ---------------------------------------------------------

// Seconds as the largest whole unit: 7776000 -> "90d".
function duration(s) {
    if (s === 0) return '0 (destroyed as soon as it is no longer needed)';
    for (const [n, u] of [[86400, 'd'], [3600, 'h'], [60, 'm']]) if (s % n === 0) return `${s / n}${u}`;
    return `${s}s`;
}

function showTenantObject(t) {
    $('#tenant-name').textContent = t.name;
    $('#tenant-audio').textContent = duration(t.audio_retention);
    $('#tenant-transcript').textContent = duration(t.transcript_retention);
}

export async function showTenant() {
    showTenantObject(await api('/v1/tenant'));
}

async function setRetention(ev) {
    ev.preventDefault();
    const f = new FormData($('#tenant-form'));
    const body = {};
    for (const k of ['audio_retention', 'transcript_retention']) if (f.get(k).trim()) body[k] = f.get(k).trim();
    if (!Object.keys(body).length) throw new Error('Give a new retention for recordings, transcripts or both.');
    if (!window.confirm('Change the retention? Data older than the new policy is destroyed at the next purge.')) return;
    showTenantObject(await api('/v1/tenant/retention', { method: 'PUT', body }));
    $('#tenant-form').reset();
    status('Retention changed.');
}

export function init() {
    $('#tenant-form').addEventListener('submit', ev => guarded(() => setRetention(ev)));
    $('#key-form').addEventListener('submit', ev => guarded(() => createKey(ev)));
    $('#new-key-copy').addEventListener('click', () => guarded(() => copyText($('#new-key-text').textContent)));
    $('#new-key-hide').addEventListener('click', () => { $('#new-key-text').textContent = ''; $('#new-key').hidden = true; });
    $('#profile-form').addEventListener('submit', ev => guarded(() => createProfile(ev)));
    $('#profile-default-set').addEventListener('click', () => guarded(setDefault));
}
