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

export function init() {
    $('#key-form').addEventListener('submit', ev => guarded(() => createKey(ev)));
    $('#new-key-copy').addEventListener('click', () => guarded(() => copyText($('#new-key-text').textContent)));
    $('#new-key-hide').addEventListener('click', () => { $('#new-key-text').textContent = ''; $('#new-key').hidden = true; });
    $('#profile-form').addEventListener('submit', ev => guarded(() => createProfile(ev)));
    $('#profile-default-set').addEventListener('click', () => guarded(setDefault));
}
