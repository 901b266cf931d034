// Writes the copies of the site's icons kept here to look at: `node docs/icons/generate.ts`.
// The publisher draws its own (feed-icons.ts); a test keeps these the same.
import { writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { feedIconFiles } from "../../shared/domain/render/feed-icons.ts";

for (const file of feedIconFiles()) {
	writeFileSync(join(import.meta.dirname, basename(file.path)), file.bytes);
}
