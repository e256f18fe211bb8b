// An MCP client with the official SDK, over stdio (spawns `waiaas mcp`,
// argv[2], with this process's environment) or, when MCP_URL is set,
// over Streamable HTTP to that URL (the daemon's /mcp) with
// WAIAAS_SESSION_TOKEN as the Bearer and MCP_ORIGIN, if set, as the
// Origin.  It lists the tools, compiles
// every inputSchema with ajv, then runs the calls in argv[3] (a JSON
// array of {tool, args, until?, sleep?}).  "$ID" in args is the id from
// the previous result; "until" polls the call up to 30 s until its
// status is one of the list; "sleep" waits that many ms before the
// call.  Prints one JSON object: tools, schemaErrors, results; or
// {connectError} when the server refuses the connection.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import Ajv from "ajv";

const bin = process.argv[2];
const calls = JSON.parse(process.argv[3] || "[]");
const E = process.env;
let transport;
if (E.MCP_URL) {
	const headers = { Authorization: "Bearer " + E.WAIAAS_SESSION_TOKEN };
	if (E.MCP_ORIGIN)
		headers.Origin = E.MCP_ORIGIN;
	transport = new StreamableHTTPClientTransport(new URL(E.MCP_URL),
	    { requestInit: { headers } });
} else
	transport = new StdioClientTransport({
		command: bin, args: ["mcp"], env: E, stderr: "inherit",
	});
const client = new Client({ name: "waiaas-test", version: "0" });
try {
	await client.connect(transport);
} catch (e) {
	console.log(JSON.stringify({ connectError: String(e.message || e),
	    code: e.code }));
	process.exit(0);
}
const out = { server: client.getServerVersion(),
	protocol: transport.protocolVersion || null, tools: [],
	schemaErrors: [], results: [] };
const listed = await client.listTools();
const ajv = new Ajv({ strict: false });
for (const t of listed.tools) {
	out.tools.push(t.name);
	try { ajv.compile(t.inputSchema); }
	catch (e) { out.schemaErrors.push(t.name + ": " + e.message); }
	if (!t.description) out.schemaErrors.push(t.name + ": no description");
}
await client.ping();
let prevId = null;
const subst = (v) => JSON.parse(JSON.stringify(v).replaceAll('"$ID"',
    JSON.stringify(prevId)));
for (const c of calls) {
	let r, j = null;
	if (c.sleep)	/* ms to wait before the call */
		await new Promise((res) => setTimeout(res, c.sleep));
	for (let n = 0; n < 300; n++) {
		r = await client.callTool({ name: c.tool, arguments: subst(c.args || {}) });
		try { j = JSON.parse(r.content[0].text); } catch { j = null; }
		if (!c.until || r.isError || (j && c.until.includes(j.status)))
			break;
		await new Promise((res) => setTimeout(res, 100));
	}
	if (j && j.id) prevId = j.id;
	out.results.push({ isError: !!r.isError, text: r.content[0].text, json: j });
}
await client.close();
console.log(JSON.stringify(out));
