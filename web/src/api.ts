// Talks to `comity serve`: the console's own session routes and the moderation
// API behind /console/api/v1 (session cookie + X-CSRF-Token, never an API key).
export interface User {
  name: string;
  role: 'admin' | 'moderator';
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
export let currentUser: User | null = null;

export function setSession(user: User | null, csrf: string): void {
  currentUser = user;
  csrfToken = csrf;
}

export async function request<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  let payload: string | undefined;
  if (body !== undefined) {
    headers['Content-Type'] = contentType;
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  const type = response.headers.get('Content-Type') ?? '';
  const data: unknown = type.includes('json') ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) {
    const message =
      (data as { error?: { message?: string } } | null)?.error?.message ??
      (typeof data === 'string' && data ? data : response.statusText);
    throw new ApiError(response.status, message);
  }
  return data as T;
}

// A moderation API path such as "queue?limit=50" -> /console/api/v1/queue?limit=50.
export function moderation<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
  return request<T>(method, `/console/api/v1/${path}`, body, contentType);
}

export async function login(name: string, password: string): Promise<void> {
  const reply = await request<{ user: User; csrfToken: string }>('POST', '/console/api/login', { name, password });
  setSession(reply.user, reply.csrfToken);
}

export async function restore(): Promise<boolean> {
  try {
    const reply = await request<{ user: User; csrfToken: string }>('GET', '/console/api/me');
    setSession(reply.user, reply.csrfToken);
    return true;
  } catch {
    return false;
  }
}

export async function logout(): Promise<void> {
  await request('POST', '/console/api/logout');
  setSession(null, '');
}

export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

// Lists arrive as a bare array or under a named field; take whichever is there.
export function listFrom<T>(data: unknown, ...fields: string[]): T[] {
  if (Array.isArray(data)) return data as T[];
  if (data && typeof data === 'object') {
    for (const field of fields) {
      const value = (data as Record<string, unknown>)[field];
      if (Array.isArray(value)) return value as T[];
    }
  }
  return [];
}
