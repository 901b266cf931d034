/**
 * The store refused data for good: an item over DynamoDB's size limit, an attribute its
 * marshaller cannot write. Retrying cannot help, so the upload is rejected with a report
 * instead of being redelivered into the dead-letter queue.
 */
export class UnstorableError extends Error {
	readonly code = "UNSTORABLE";

	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = "UnstorableError";
	}
}
