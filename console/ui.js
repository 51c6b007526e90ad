// Small DOM helpers. Text from the server is always set as text (never
// parsed as HTML), so nothing it holds can run as code.

export const $ = (sel, root = document) => root.querySelector(sel);

// el('td', {class: 'mono'}, 'text', childNode, ...)
export function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else if (k === 'class') e.className = v;
        else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) e.append(c instanceof Node ? c : String(c ?? ''));
    return e;
}

export function status(text) { $('#status').textContent = text; }

export function alertError(err) {
    const a = $('#alert');
    if (!err) { a.hidden = true; a.textContent = ''; return; }
    a.textContent = err.message || String(err);
    a.hidden = false;
}

// Runs an action, showing its error (if any) in the alert box.
export async function guarded(fn) {
    alertError(null);
    try { return await fn(); } catch (e) { alertError(e); return undefined; }
}

export function fillTable(table, rows) {
    const body = table.tBodies[0];
    body.replaceChildren(...rows);
    if (rows.length === 0) {
        const n = table.tHead.rows[0].cells.length;
        body.append(el('tr', {}, el('td', { colspan: n, class: 'hint' }, 'Nothing to show.')));
    }
}

export function unixTime(s) {
    return s ? new Date(s * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}

export function isoTime(s) { return s ? s.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : ''; }

export function saveBlob(blob, name) {
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export async function copyText(text) {
    await navigator.clipboard.writeText(text);
    status('Copied.');
}

export function pretty(obj) { return JSON.stringify(obj, null, 2); }
