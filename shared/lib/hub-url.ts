// Loopback only: a hub a test or a developer runs on this machine. Anywhere else the ping
// and the subscribers' traffic would cross the network in clear text.
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Why `value` cannot be the WebSub hub every feed links and the publisher POSTs to, or
 * `undefined` when it can: an absolute https URL (http on loopback only), with no user
 * name or password (every feed would publish them) and no fragment.
 */
export function hubUrlProblem(value: string): string | undefined {
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		return `"${value}" is not a URL`;
	}
	const loopback = LOOPBACK_HOST.test(url.hostname);
	if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
		return `"${value}" must be an https URL (http only on loopback: localhost, 127.x.x.x, [::1])`;
	}
	if (url.username || url.password) {
		return `"${value}" carries credentials, which every feed would publish`;
	}
	if (url.hash) return `"${value}" has a fragment, which a hub URL has no use for`;
	return undefined;
}
