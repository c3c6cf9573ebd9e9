import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on 127.0.0.1 (Python's http.server with keep-alive), started as a
/// subprocess for one test and killed after it. Used by HTTPTests and any test target that needs a
/// real HTTP peer on loopback.
public final class LoopbackServer {
    public static var pythonAvailable: Bool { PythonServer.available }

    public let port: Int
    private let process: Process

    static let script = #"""
import http.server, json, sys, time
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, code, obj):
        data = json.dumps(obj, indent=1, sort_keys=True).encode()
        self.send_response(code); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        if self.path.startswith("/status/"):
            code = int(self.path.split("/")[2])
            return self.reply(code, {"kind": "Status", "reason": "Conflict" if code == 409 else "Error", "code": code})
        if self.path == "/slow":
            time.sleep(3); return self.reply(200, {})
        if self.path == "/stream":
            self.send_response(200); self.send_header("Content-Type", "application/json"); self.end_headers()
            self.close_connection = True
            for i in range(50):
                self.wfile.write((json.dumps({"type": "ADDED", "n": i}, separators=(",", ":")) + "\n").encode()); self.wfile.flush(); time.sleep(0.05)
            return
        self.reply(200, {"method": self.command, "path": self.path, "body": body,
                         "headers": {k.lower(): v for k, v in self.headers.items()}, "client_port": self.client_address[1]})
    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_any
class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
s = S(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"""#

    public init() throws {
        (process, port) = try PythonServer.launch(script: LoopbackServer.script, name: "the loopback HTTP server")
    }

    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    public func stop() { PythonServer.stop(process) }

    /// A port nothing listens on (bound then released).
    public static func unusedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
