import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { renderAtom } from "#shared/domain/render/render-atom.ts";
import { feedEntriesFor } from "#shared/domain/targets.ts";
import { makeArticle } from "../helpers/articles.ts";
import { documentWithKills, KILLS, TOMBSTONES_NS } from "../helpers/tombstones.ts";

// A real feed reader's parser, run as a child process: so in the integration tier, not the unit one.

describe("python3-feedparser, a real feed reader's parser", () => {
	// Debian's python3-feedparser (what .ci/run installs) is under /usr/bin/python3, which
	// need not be the python3 on PATH (pyenv's, say); FEEDPARSER_PYTHON for any other.
	const pythons = [process.env.FEEDPARSER_PYTHON, "python3", "/usr/bin/python3"].filter(
		(python): python is string => python !== undefined && python !== "",
	);
	const python = pythons.find(
		(candidate) => spawnSync(candidate, ["-c", "import feedparser"]).status === 0,
	);
	if (!python) {
		console.warn(
			`SKIPPED the feedparser check of Atom tombstones: no python with feedparser (looked for ${pythons.join(", ")}). Install it with \`apt-get install python3-feedparser\`, as .ci/run does.`,
		);
	}
	it.skipIf(python === undefined)("python3-feedparser reads the Atom tombstones", () => {
		const script = [
			"import sys, json, feedparser",
			"d = feedparser.parse(sys.stdin.read())",
			"print(json.dumps({",
			"  'bozo': bool(d.bozo),",
			"  'ids': [e.id for e in d.entries],",
			"  'ns': d.namespaces.get('at'),",
			"  'updated': d.feed.get('updated'),",
			"  'tombstone': d.feed.get('at_deleted-entry'),",
			"}))",
		].join("\n");
		const out = spawnSync(python ?? "python3", ["-c", script], {
			input: renderAtom(documentWithKills(KILLS)),
			encoding: "utf8",
		});
		expect(out.stderr).toBe("");
		const parsed = JSON.parse(out.stdout);
		// A well-formed feed whose only entry is the item still in it: no tombstone reads as one.
		expect(parsed.bozo).toBe(false);
		const [row] = feedEntriesFor(makeArticle());
		expect(parsed.ids).toEqual([row?.item.id]);
		expect(parsed.ns).toBe(TOMBSTONES_NS);
		expect(parsed.updated).toBe(KILLS[0]?.when);
		// feedparser 6 keeps no list of tombstones: an unknown element's attributes land on the
		// feed under its prefixed name, each overwriting the one before, so the last one is read.
		expect(parsed.tombstone).toEqual({ ref: KILLS[1]?.id, when: KILLS[1]?.when });
	});
});
