import middy from "@middy/core";
import { publishTargets, scheduledSweep } from "../lib/services.ts";

/** `{ targets: ["feed|en|latest"] }` publishes those; anything else (the schedule) sweeps. */
export interface PublishEvent {
	targets?: string[];
}

export const handler = middy<PublishEvent, { published: number }>().handler(
	async function publish(event) {
		if (Array.isArray(event?.targets)) {
			await publishTargets(event.targets);
			return { published: event.targets.length };
		}
		return { published: await scheduledSweep() };
	},
);
