/** One object an S3 notification names, as a dead letter carries it. */
export interface NotifiedObject {
	bucket: string;
	key: string;
	versionId?: string;
	eTag?: string;
	sequencer?: string;
	eventTime?: string;
	/** Bytes, as S3 reports the object's size. */
	size?: number;
}

/**
 * The objects in an S3 notification body, keys decoded as the ingest handler decodes them
 * (form-encoded, once). Tolerant: a body that is no notification names no object.
 */
export function notifiedObjectsOf(body: string): NotifiedObject[] {
	let message: unknown;
	try {
		message = JSON.parse(body);
	} catch {
		return [];
	}
	const records = (message as { Records?: unknown }).Records;
	if (!Array.isArray(records)) return [];
	const objects: NotifiedObject[] = [];
	for (const record of records) {
		const s3 = (
			record as { s3?: { bucket?: { name?: unknown }; object?: Record<string, unknown> } }
		).s3;
		const rawKey = s3?.object?.key;
		if (typeof rawKey !== "string") continue;
		let key: string;
		try {
			key = decodeURIComponent(rawKey.replace(/\+/g, " "));
		} catch {
			key = rawKey;
		}
		const text = (value: unknown) => (typeof value === "string" ? value : undefined);
		const versionId = text(s3?.object?.versionId);
		const eTag = text(s3?.object?.eTag);
		const sequencer = s3?.object?.sequencer;
		const eventTime = text((record as { eventTime?: unknown }).eventTime);
		const size = s3?.object?.size;
		objects.push({
			bucket: text(s3?.bucket?.name) ?? "",
			key,
			...(versionId ? { versionId } : {}),
			...(eTag ? { eTag } : {}),
			...(sequencer !== undefined ? { sequencer: String(sequencer) } : {}),
			...(eventTime ? { eventTime } : {}),
			...(typeof size === "number" ? { size } : {}),
		});
	}
	return objects;
}
