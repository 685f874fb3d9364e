// Drives the official Amplify JS v6 auth library (aws-amplify/auth) for the
// interop tests. See README.md in this directory for the line protocol.
//
// stdin:  JSON messages, one per line (a pretty-printed first message also
//         works: lines are joined until they parse).
//         First message: {"config": {...}, "steps": [...]}
//         Every later message (only after a "waiting" line): {"steps": [...]}
// stdout: JSON objects, one per line, nothing else:
//         {"waiting": true, "pending": n, "results": [...]}   at each
//                                   waitForInput step; n steps are still queued
//         {"done": true, "results": [...]}      last line, then exit 0
//         {"done": true, "results": [...], "fatal": {...}}  bad input, exit 2
//         "results" holds the results of the steps run since the previous line.
// stderr: anything else (Amplify's console output, diagnostics).

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

// stdout belongs to the protocol: send every console method to stderr
// before Amplify is loaded (hence the dynamic imports below).
const protocolOut = process.stdout;
for (const method of ['log', 'info', 'debug', 'warn', 'error', 'trace']) {
	console[method] = (...parts) => {
		process.stderr.write(
			parts
				.map(part => (typeof part === 'string' ? part : inspectSafely(part)))
				.join(' ') + '\n',
		);
	};
}

function inspectSafely(value) {
	try {
		return JSON.stringify(value);
	} catch {
		return String(value);
	}
}

process.on('unhandledRejection', reason => {
	console.error('[run.mjs] unhandled rejection:', reason?.stack ?? String(reason));
});

const { Amplify } = await import('aws-amplify');
const Auth = await import('aws-amplify/auth');
const { cognitoUserPoolsTokenProvider } = await import('aws-amplify/auth/cognito');
const { Hub, sharedInMemoryStorage } = await import('aws-amplify/utils');

const AMPLIFY_VERSION = JSON.parse(
	readFileSync(new URL('./node_modules/aws-amplify/package.json', import.meta.url), 'utf8'),
).version;
const DEFAULT_STEP_TIMEOUT_MS = 30_000;

// ---------------------------------------------------------------- stdin ----

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })[
	Symbol.asyncIterator
]();

class InputError extends Error {
	constructor(message) {
		super(message);
		this.name = 'HarnessInputError';
	}
}

/** The next JSON message from stdin, or null at end of input. */
async function readMessage() {
	let text = '';
	for (;;) {
		const { value, done } = await lines.next();
		if (done) {
			if (text.trim() === '') return null;
			try {
				return JSON.parse(text);
			} catch (error) {
				throw new InputError(`stdin ended inside a JSON message: ${error.message}`);
			}
		}
		if (text === '' && value.trim() === '') continue;
		text += value + '\n';
		try {
			return JSON.parse(text);
		} catch {
			// not complete yet: a pretty-printed message spans several lines
		}
	}
}

function stepsOf(message) {
	if (message === null || typeof message !== 'object' || Array.isArray(message)) {
		throw new InputError('each input message must be a JSON object');
	}
	const steps = message.steps ?? [];
	if (!Array.isArray(steps)) throw new InputError('"steps" must be an array');
	for (const step of steps) {
		if (step === null || typeof step !== 'object' || typeof step.op !== 'string') {
			throw new InputError(`every step needs a string "op": ${JSON.stringify(step)}`);
		}
	}
	return steps;
}

// --------------------------------------------------------------- stdout ----

function emit(message) {
	return new Promise(resolve => {
		protocolOut.write(JSON.stringify(message) + '\n', () => resolve());
	});
}

// ------------------------------------------------------- serialisation ----

function serialiseError(error) {
	if (!(error instanceof Error)) {
		return { name: 'NonErrorThrown', message: String(error) };
	}
	const out = { name: error.name, message: error.message };
	if (error.recoverySuggestion) out.recoverySuggestion = error.recoverySuggestion;
	const metadata = error.metadata ?? error.$metadata;
	if (metadata?.httpStatusCode !== undefined) out.httpStatusCode = metadata.httpStatusCode;
	if (error.underlyingError) out.underlyingError = serialiseError(error.underlyingError);
	return out;
}

function isJwt(value) {
	return (
		value !== null &&
		typeof value === 'object' &&
		typeof value.payload === 'object' &&
		typeof value.toString === 'function' &&
		value.toString !== Object.prototype.toString
	);
}

/** A JSON-ready copy of an Amplify result: functions dropped, JWTs as {jwt, payload}. */
function toJson(value, seen = new WeakSet()) {
	if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
		return undefined;
	}
	if (value === null || typeof value !== 'object') {
		if (typeof value === 'bigint') return value.toString();
		if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
		return value;
	}
	if (seen.has(value)) return '[circular]';
	seen.add(value);
	try {
		if (value instanceof Date) return value.toISOString();
		if (value instanceof URL) return value.href;
		if (value instanceof Error) return serialiseError(value);
		if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer).toString('base64');
		if (value instanceof Map) return toJson(Object.fromEntries(value), seen);
		if (value instanceof Set) return toJson([...value], seen);
		if (Array.isArray(value)) return value.map(item => toJson(item, seen) ?? null);
		if (isJwt(value)) return { jwt: value.toString(), payload: toJson(value.payload, seen) };
		const out = {};
		for (const [key, item] of Object.entries(value)) {
			const converted = toJson(item, seen);
			if (converted !== undefined) out[key] = converted;
		}
		// TOTP set-up details (setUpTOTP, or signIn's CONTINUE_SIGN_IN_WITH_TOTP_SETUP)
		if (typeof value.getSetupUri === 'function' && typeof value.sharedSecret === 'string') {
			out.setupUri = value.getSetupUri('authpool').toString();
		}
		return out;
	} finally {
		seen.delete(value);
	}
}

function sessionToJson(session) {
	const { tokens, ...rest } = session;
	const out = toJson(rest);
	out.tokens = tokens
		? {
				idToken: tokens.idToken?.toString() ?? null,
				accessToken: tokens.accessToken?.toString() ?? null,
				idTokenPayload: toJson(tokens.idToken?.payload) ?? null,
				accessTokenPayload: toJson(tokens.accessToken?.payload) ?? null,
				signInDetails: toJson(tokens.signInDetails) ?? null,
			}
		: null;
	return out;
}

// ------------------------------------------------------------ amplify ----

const hubEvents = [];
Hub.listen('auth', ({ payload }) => {
	hubEvents.push(toJson({ event: payload.event, data: payload.data, message: payload.message }));
});

function configure(config) {
	if (config === null || typeof config !== 'object') {
		throw new InputError('"config" must be an object');
	}
	// Either the Auth.Cognito section on its own, or a whole Amplify config.
	const resources = 'Auth' in config ? config : { Auth: { Cognito: config } };
	Amplify.configure(resources);
	// Node has no localStorage; keep the tokens in memory, explicitly.
	cognitoUserPoolsTokenProvider.setKeyValueStorage(sharedInMemoryStorage);
}

/** Operations of the harness itself, next to every function of aws-amplify/auth. */
const harnessOps = {
	async configure(args) {
		configure(args);
		return null;
	},
	async sleep(args) {
		await new Promise(resolve => setTimeout(resolve, Number(args?.ms ?? 0)));
		return null;
	},
	async hubEvents() {
		return hubEvents.splice(0, hubEvents.length);
	},
	async inspectTokenStore() {
		const tokens = await cognitoUserPoolsTokenProvider.authTokenStore.loadTokens();
		if (!tokens) return null;
		return {
			accessToken: tokens.accessToken?.toString() ?? null,
			idToken: tokens.idToken?.toString() ?? null,
			refreshToken: tokens.refreshToken ?? null,
			deviceMetadata: toJson(tokens.deviceMetadata) ?? null,
			clockDrift: tokens.clockDrift ?? null,
			username: tokens.username ?? null,
			signInDetails: toJson(tokens.signInDetails) ?? null,
		};
	},
	async harnessInfo() {
		return { amplifyVersion: AMPLIFY_VERSION, node: process.version };
	},
};

async function callOp(step) {
	const hasArgs = Object.hasOwn(step, 'args');
	if (Object.hasOwn(harnessOps, step.op)) return harnessOps[step.op](step.args);
	const fn = Auth[step.op];
	if (typeof fn !== 'function' || step.op === 'AuthError') {
		const error = new Error(`unknown op ${JSON.stringify(step.op)}`);
		error.name = 'HarnessUnknownOp';
		throw error;
	}
	const value = hasArgs ? await fn(step.args) : await fn();
	if (step.op === 'fetchAuthSession') return sessionToJson(value);
	return toJson(value) ?? null;
}

async function runStep(step) {
	const limit = Number(step.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS);
	let timer;
	const timeout = new Promise((_, reject) => {
		timer = setTimeout(() => {
			const error = new Error(`${step.op} did not settle within ${limit} ms`);
			error.name = 'HarnessStepTimeout';
			reject(error);
		}, limit);
	});
	try {
		const value = await Promise.race([callOp(step), timeout]);
		return { op: step.op, ok: true, value };
	} catch (error) {
		return { op: step.op, ok: false, error: serialiseError(error) };
	} finally {
		clearTimeout(timer);
	}
}

// --------------------------------------------------------------- main ----

async function main() {
	const first = await readMessage();
	if (first === null) throw new InputError('no input: expected {"config": ..., "steps": [...]}');
	if (!Object.hasOwn(first, 'config')) throw new InputError('the first message needs "config"');
	configure(first.config);
	const queue = [...stepsOf(first)];
	let results = [];
	let stopped = false;

	while (queue.length > 0) {
		const step = queue.shift();
		if (step.op === 'waitForInput') {
			stopped = false;
			await emit({ waiting: true, pending: queue.length, results });
			results = [];
			const next = await readMessage();
			// End of input while waiting simply ends the run.
			if (next === null) break;
			queue.unshift(...stepsOf(next));
			continue;
		}
		if (stopped) {
			results.push({
				op: step.op,
				ok: false,
				skipped: true,
				error: {
					name: 'HarnessSkipped',
					message: 'not run: an earlier step with stopOnError failed',
				},
			});
			continue;
		}
		const result = await runStep(step);
		results.push(result);
		if (!result.ok && step.stopOnError) stopped = true;
	}
	await emit({ done: true, results });
}

try {
	await main();
	process.exit(0);
} catch (error) {
	await emit({ done: true, results: [], fatal: serialiseError(error) });
	console.error('[run.mjs] fatal:', error?.stack ?? String(error));
	process.exit(2);
}
