// A Node HTTP server on the socket droverd passes at fd 3 (a command worker in the tests).
const http = require("http");
const server = http.createServer((req, res) => { res.writeHead(200, {"content-length": "4"}); res.end("node"); });
process.on("SIGTERM", () => server.close(() => process.exit(0)));
server.listen({ fd: 3 });
