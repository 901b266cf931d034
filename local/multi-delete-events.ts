import type S3rver from "s3rver";

interface DeleteContext {
	method: string;
	query: Record<string, unknown>;
	params: { bucket?: string };
	status: number;
	/** s3rver parses the request's XML here; the response body is serialized by then. */
	request: { body?: { Delete?: { Object?: { Key: string } | { Key: string }[] } } };
}

/**
 * Makes s3rver announce the objects a DeleteObjects request removed, one `ObjectRemoved:Delete`
 * record each, as S3 does and as s3rver already does for a single DELETE: the local edge
 * forgets what it knew of a key when told it changed.
 */
export function announceMultiDeletes(s3rver: S3rver): void {
	const app = s3rver as unknown as {
		middleware: ((ctx: DeleteContext, next: () => Promise<void>) => Promise<void>)[];
		emit(event: string, payload: unknown): void;
	};
	// s3rver composes its middleware when it starts listening: this one wraps every request.
	app.middleware.unshift(async (ctx, next) => {
		await next();
		if (ctx.method !== "POST" || !("delete" in ctx.query)) return;
		const bucket = ctx.params.bucket ?? "";
		if (ctx.status !== 200) return;
		const deleted = [ctx.request.body?.Delete?.Object ?? []].flat();
		if (deleted.length === 0) return;
		app.emit("event", {
			Records: deleted.map(({ Key }) => ({
				eventName: "ObjectRemoved:Delete",
				s3: { bucket: { name: bucket }, object: { key: String(Key) } },
			})),
		});
	});
}
