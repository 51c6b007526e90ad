// The API client of the console. The key lives in this module's memory
// only (never localStorage, sessionStorage, cookies or a URL), so a reload
// or a closed tab forgets it.
let key = null;

export function setKey(k) { key = k; }
export function clearKey() { key = null; }
export function signedIn() { return key !== null; }

export class ApiError extends Error {
    constructor(status, body) {
        const e = body && body.error ? body.error : {};
        super(e.message || `The server answered ${status}.`);
        this.status = status;
        this.code = e.code || null;
    }
}

// One request to the API on this origin. opts: {method, body (FormData,
// object sent as JSON, or a string), as: 'json' (default) | 'text' | 'blob'}.
export async function api(path, opts = {}) {
    if (key === null) throw new ApiError(401, null);
    const headers = { Authorization: `Bearer ${key}` };
    let body = opts.body;
    if (body && !(body instanceof FormData) && typeof body !== 'string') {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(body);
    }
    const r = await fetch(path, {
        method: opts.method || 'GET', headers, body,
        credentials: 'omit', cache: 'no-store', redirect: 'error', referrerPolicy: 'no-referrer',
    });
    if (!r.ok) {
        let e = null;
        try { e = await r.json(); } catch { /* not JSON */ }
        throw new ApiError(r.status, e);
    }
    if (opts.as === 'text') return r.text();
    if (opts.as === 'blob') return r.blob();
    return r.json();
}

// A query string from an object, leaving out empty values.
export function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const s = q.toString();
    return s ? `?${s}` : '';
}
