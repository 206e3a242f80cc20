// The pages' only way to the data: GraphQL at /graphql and FHIR REST at /fhir, with the signed-in user's token.
import { accessToken } from './auth.js';

export class ApiError extends Error {
  constructor(message, { status = 0, code = null, errors = [] } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = errors;
  }
}

function headers(extra) {
  const token = accessToken();
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

/** A 401 tells the page that this server wants a signed-in user: the header then offers sign-in. */
function refused(status) {
  if (status === 401) window.dispatchEvent(new CustomEvent('caregraph:unauthorized'));
  return status === 401
    ? new ApiError('Sign in to see this data.', { status, code: 'UNAUTHORIZED' })
    : new ApiError('Your account may not see this data.', { status, code: 'FORBIDDEN' });
}

/** `data` of a GraphQL answer; an answer with errors throws them (message, extensions.code). */
export async function graphql(query, variables = {}) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json', Accept: 'application/json' }),
    body: JSON.stringify({ query, variables }),
  });
  if (response.status === 401 || response.status === 403) throw refused(response.status);
  const body = await response.json().catch(() => null);
  if (!body) throw new ApiError(`GraphQL answered HTTP ${response.status}`, { status: response.status });
  if (body.errors?.length) {
    throw new ApiError(body.errors.map((e) => e.message).join('\n'), {
      status: response.status, code: body.errors[0].extensions?.code ?? null, errors: body.errors,
    });
  }
  return body.data;
}

/** A FHIR REST GET (path after /fhir/); an OperationOutcome's diagnostics become the error message. */
export async function fhir(path) {
  const response = await fetch(`/fhir/${path}`, { headers: headers({ Accept: 'application/fhir+json' }) });
  if (response.status === 401 || response.status === 403) throw refused(response.status);
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const issue = body?.issue?.map((i) => i.diagnostics || i.code).join('\n');
    throw new ApiError(issue || `FHIR answered HTTP ${response.status}`, { status: response.status });
  }
  return body;
}
