/**
 * The identity of one upload: one version of one object under `incoming/`. Redelivered events
 * for the same upload carry the same identity; a new upload to the same key does not. The
 * version id comes first because a bucket listing (reconcile) knows it too; the ETag is the
 * fallback for an unversioned bucket, the sequencer the last resort.
 */
export function uploadIdOf(upload: {
	versionId?: string | undefined;
	eTag?: string | undefined;
	sequencer?: string | undefined;
}): string {
	const id = upload.versionId ?? upload.eTag?.replaceAll('"', "") ?? upload.sequencer;
	if (!id) throw new Error("an upload needs a version id, an ETag or a sequencer");
	return id;
}

// S3 sequencers are hex strings of varying length: pad before comparing (S3 event docs).
const SEQUENCER_WIDTH = 32;

/**
 * A sort key that orders the uploads at one key as S3 wrote them: the event's sequencer,
 * left-padded. An upload found without an event (reconcile) has no sequencer and sorts first,
 * so it never displaces the report of an upload whose event did arrive.
 */
export function uploadOrder(sequencer: string | undefined): string {
	return (sequencer ?? "").toUpperCase().padStart(SEQUENCER_WIDTH, "0");
}
