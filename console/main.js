// The console's entry point: sign-in, the views a key's roles allow, tabs.
import { api, setKey, clearKey } from './api.js';
import { $, el, status, guarded } from './ui.js';
import * as clinician from './clinician.js';
import * as audit from './audit.js';
import * as admin from './admin.js';
import * as dictation from './dictation.js';

// Each view, the roles that open it (any one), and what runs when shown.
const VIEWS = [
    { id: 'view-transcribe', label: 'Transcribe', roles: ['transcribe'], show: clinician.showUpload },
    { id: 'view-dictate', label: 'Dictate', roles: ['transcribe'], show: async () => {} },
    { id: 'view-transcripts', label: 'Transcripts', roles: ['read'], show: clinician.showList },
    { id: 'view-audit', label: 'Audit trail', roles: ['audit'], show: audit.showTrail },
    { id: 'view-certificates', label: 'Certificates', roles: ['audit', 'admin'], show: audit.showCertificates },
    { id: 'view-report', label: 'Breach report', roles: ['audit'], show: audit.showReport },
    { id: 'view-doctor', label: 'Checks', roles: ['audit'], show: audit.showDoctor },
    { id: 'view-keys', label: 'Keys', roles: ['admin'], show: admin.showKeys },
    { id: 'view-profiles', label: 'Profiles', roles: ['admin'], show: admin.showProfiles },
    { id: 'view-tenant', label: 'Retention', roles: ['admin'], show: admin.showTenant },
];

let me = null;

function open(view) {
    for (const v of VIEWS) $(`#${v.id}`).hidden = v !== view;
    for (const b of $('#tabs').children) {
        if (b.dataset.view === view.id) b.setAttribute('aria-current', 'page');
        else b.removeAttribute('aria-current');
    }
    status('');
    guarded(() => view.show(me));
}

async function signIn(ev) {
    ev.preventDefault();
    const input = $('#api-key');
    const k = input.value.trim();
    input.value = '';
    setKey(k);
    const who = await guarded(() => api('/v1/me'));
    if (!who) { clearKey(); input.focus(); return; }
    me = who;
    const allowed = VIEWS.filter(v => v.roles.some(r => me.roles.includes(r)));
    $('#tabs').replaceChildren(...allowed.map(v =>
        el('button', { type: 'button', 'data-view': v.id, onclick: () => open(v) }, v.label)));
    $('#who-text').textContent = `${me.tenant} · key ${me.id} · ${me.roles.join(', ')}`;
    $('#signin').hidden = true;
    $('#tabs').hidden = false;
    $('#who').hidden = false;
    clinician.setRoles(me.roles);
    if (allowed.length) open(allowed[0]);
    else status('This key has no role the console can show.');
    $('#main').focus();
}

// Sign-out forgets the key and everything shown, by loading a fresh page.
function signOut() {
    clearKey();
    me = null;
    window.location.replace('/console/');
}

$('#signin-form').addEventListener('submit', signIn);
$('#sign-out').addEventListener('click', signOut);
clinician.init();
audit.init();
admin.init();
dictation.init();
$('#api-key').focus();
