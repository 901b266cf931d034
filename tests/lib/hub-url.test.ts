import { describe, expect, it } from "vitest";
import { hubUrlProblem } from "#shared/lib/hub-url.ts";

describe("a WebSub hub URL", () => {
	it.each([
		"https://hub.example.org/",
		"https://pubsubhubbub.appspot.com",
		"https://hub.example.org:8443/websub?site=news",
		"http://127.0.0.1:4321/hub",
		"http://localhost/hub",
		"http://[::1]:9000/",
	])("accepts %s", (url) => {
		expect(hubUrlProblem(url)).toBeUndefined();
	});

	it.each([
		["hub.example.org", /is not a URL/],
		["", /is not a URL/],
		["http://hub.example.org/", /must be an https URL \(http only on loopback/],
		["http://10.0.0.1/hub", /must be an https URL/],
		["http://127.0.0.1.example.org/", /must be an https URL/],
		["ftp://hub.example.org/", /must be an https URL/],
		["https://ops:secret@hub.example.org/", /carries credentials/],
		["https://hub.example.org/#top", /has a fragment/],
	])("refuses %j in one line", (url, message) => {
		const problem = hubUrlProblem(url);
		expect(problem).toMatch(message);
		expect(problem).not.toContain("\n");
	});
});
