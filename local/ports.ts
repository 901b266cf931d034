import { createServer } from "node:net";

/** A port that was free a moment ago, for servers that cannot listen on port 0 themselves. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			server.close(() =>
				typeof address === "object" && address
					? resolve(address.port)
					: reject(new Error("no port")),
			);
		});
	});
}

export class PortInUseError extends Error {
	constructor(
		readonly port: number,
		readonly service: string,
		readonly envVar: string,
	) {
		super(
			`Port ${port} (${service}) is already in use. Stop whatever listens there, or pick another port: ${envVar}=<port> npm start`,
		);
		this.name = "PortInUseError";
	}
}

/** Resolves a wanted port: 0 picks a free one; a taken port is a clear error, not a stack trace. */
export async function claimPort(port: number, service: string, envVar: string): Promise<number> {
	if (port === 0) return freePort();
	await new Promise<void>((resolve, reject) => {
		const server = createServer();
		server.once("error", () => reject(new PortInUseError(port, service, envVar)));
		server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
	});
	return port;
}
