import type { UploadQueue } from "#shared/ports/uploads.ts";
import { enqueueMessage } from "./queue-folder.ts";

/**
 * Queues into the local queue's folder (`.data/queue/`): the running stack picks the message
 * up within its poll interval, or on its next start.
 */
export class FolderUploadQueue implements UploadQueue {
	constructor(private readonly folder: string) {}

	async send(body: string): Promise<void> {
		await enqueueMessage(this.folder, body);
	}
}
