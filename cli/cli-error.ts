/** A mistake in what the operator typed or asked for: printed as one line, exit code 1. */
export class CliError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "CliError";
	}
}
