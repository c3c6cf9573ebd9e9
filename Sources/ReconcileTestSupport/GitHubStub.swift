import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for the GitHub REST API's issue-comment endpoints on 127.0.0.1 (Python's
/// http.server, one process per test, killed with SIGKILL after it). It keeps state (comments with
/// ids and authors), records every API request (method, path, headers, body), paginates with
/// `Link` headers like GitHub, checks the bearer token (401), knows one repository and its pull
/// requests (404 otherwise) and can be told to fail: a status for the next N matching requests,
/// with headers such as `Retry-After`.
///
/// Control endpoints under `/_stub/` are not recorded. The API may be served under a prefix
/// (`/api/v3` for GitHub Enterprise): everything before `/repos/` (or `/repositories/4242/`, the id form GitHub's `Link` headers use) is ignored for routing and kept
/// in the recorded path.
public final class GitHubStub {
    public static var pythonAvailable: Bool { PythonServer.available }

    /// One recorded API request.
    public struct Request: Equatable, CustomStringConvertible {
        public var method: String
        /// Path with query, as sent.
        public var path: String
        /// The JSON body's `body` field for POST/PATCH, nil otherwise.
        public var commentBody: String?
        public var rawBody: String
        public var headers: [String: String]

        /// `METHOD path` for compact sequence checks.
        public var line: String { "\(method) \(path)" }
        public var description: String { line }
    }

    /// One stored comment.
    public struct Comment: Equatable {
        public var id: Int
        public var body: String
        public var user: String
        /// The GitHub App (slug) it was posted through, as `performed_via_github_app` says.
        public var app: String?

        public init(id: Int, body: String, user: String = "github-actions[bot]", app: String? = nil) {
            self.id = id
            self.body = body
            self.user = user
            self.app = app
        }
    }

    /// A programmed failure: the next `times` requests matching `method` (nil: any) and whose path
    /// contains `pathContains` get `status` with `headers` and `{"message": message}`.
    public struct Failure {
        public var method: String?
        public var pathContains: String
        public var status: Int
        public var message: String
        public var headers: [String: String]
        public var times: Int

        public init(method: String? = nil, pathContains: String = "", status: Int, message: String,
                    headers: [String: String] = [:], times: Int = 1) {
            self.method = method
            self.pathContains = pathContains
            self.status = status
            self.message = message
            self.headers = headers
            self.times = times
        }
    }

    public let port: Int
    public let owner: String
    public let repo: String
    public let token: String
    private let process: Process

    static let script = #"""
import http.server, json, sys, threading, urllib.parse
OWNER, REPO, TOKEN, PULLS = sys.argv[1], sys.argv[2], sys.argv[3], set(int(x) for x in sys.argv[4].split(","))
lock = threading.Lock()
state = {"comments": [], "next_id": 1000, "log": [], "failures": [], "link_base": None, "login": "github-actions[bot]", "app": None}
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def send(self, code, obj, headers=None):
        data = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(code)
        if obj is not None: self.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in (headers or {}).items(): self.send_header(k, v)
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def comment_json(self, c):
        base = "http://%s:%d" % self.server.server_address
        app = c.get("app")
        return {"id": c["id"], "body": c["body"], "user": {"login": c["user"], "type": "Bot" if c["user"].endswith("[bot]") else "User"},
                "performed_via_github_app": {"id": 1, "slug": app, "name": app} if app else None,
                "html_url": "https://github.test/%s/%s/pull/1#issuecomment-%d" % (OWNER, REPO, c["id"]),
                "url": base + "/repos/%s/%s/issues/comments/%d" % (OWNER, REPO, c["id"])}
    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8") if n else ""
        url = urllib.parse.urlsplit(self.path)
        with lock:
            if url.path == "/_stub/state":
                if self.command == "POST":
                    new = json.loads(raw)
                    state["comments"] = new.get("comments", [])
                    state["next_id"] = new.get("next_id", 1000)
                    state["failures"] = new.get("failures", [])
                    state["link_base"] = new.get("link_base")
                    state["login"] = new.get("login")
                    state["app"] = new.get("app")
                    state["log"] = []
                    return self.send(200, {})
                return self.send(200, {"comments": state["comments"], "log": state["log"], "failures": state["failures"]})
            entry = {"method": self.command, "path": self.path, "body": raw,
                     "headers": {k.lower(): v for k, v in self.headers.items()}}
            state["log"].append(entry)
            for f in state["failures"]:
                if f["times"] > 0 and (f.get("method") in (None, self.command)) and f["path_contains"] in self.path:
                    f["times"] -= 1
                    return self.send(f["status"], {"message": f["message"], "documentation_url": "https://docs.github.com/rest"}, f.get("headers"))
            if self.headers.get("Authorization") != "Bearer " + TOKEN:
                return self.send(401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"})
            # GET /user: the token's own account; an installation token gets 403, as on GitHub.
            if url.path.endswith("/user") and self.command == "GET":
                if state["login"] is None:
                    return self.send(403, {"message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest"})
                return self.send(200, {"login": state["login"], "id": 1, "type": "Bot" if state["login"].endswith("[bot]") else "User"})
            # /repos/OWNER/REPO/... or, as GitHub's own Link headers use, /repositories/ID/...
            i = url.path.find("/repos/")
            j = url.path.find("/repositories/4242/")
            if i >= 0: prefix, parts = url.path[:i], url.path[i:].split("/")[1:]
            elif j >= 0: prefix, parts = url.path[:j], ["repos", OWNER, REPO] + url.path[j:].split("/")[3:]
            else: return self.send(404, {"message": "Not Found"})
            # repos/OWNER/REPO/issues/N/comments  or  repos/OWNER/REPO/issues/comments/ID
            if len(parts) < 5 or parts[1] != OWNER or parts[2] != REPO or parts[3] != "issues":
                return self.send(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
            if parts[4] == "comments" and len(parts) == 6:
                cid = int(parts[5])
                found = [c for c in state["comments"] if c["id"] == cid]
                if not found: return self.send(404, {"message": "Not Found"})
                c = found[0]
                if self.command == "PATCH":
                    c["body"] = json.loads(raw)["body"]
                    return self.send(200, self.comment_json(c))
                if self.command == "DELETE":
                    state["comments"].remove(c)
                    return self.send(204, None)
                if self.command == "GET": return self.send(200, self.comment_json(c))
                return self.send(404, {"message": "Not Found"})
            if len(parts) == 6 and parts[5] == "comments":
                number = int(parts[4])
                if number not in PULLS: return self.send(404, {"message": "Not Found"})
                if self.command == "POST":
                    body = json.loads(raw)["body"]
                    if len(body) > 65536:
                        return self.send(422, {"message": "Validation Failed", "errors": [{"message": "Body is too long (maximum is 65536 characters)"}]})
                    c = {"id": state["next_id"], "body": body, "user": state["login"] or (state["app"] or "github-actions") + "[bot]",
                         "issue": number, "app": state["app"]}
                    state["next_id"] += 1
                    state["comments"].append(c)
                    return self.send(201, self.comment_json(c))
                if self.command == "GET":
                    q = urllib.parse.parse_qs(url.query)
                    per_page = int(q.get("per_page", ["30"])[0]); page = int(q.get("page", ["1"])[0])
                    mine = [c for c in state["comments"] if c.get("issue", number) == number]
                    last = max(1, (len(mine) + per_page - 1) // per_page)
                    items = mine[(page - 1) * per_page: page * per_page]
                    host = state["link_base"] or "http://%s:%d" % self.server.server_address
                    def link(p): return "<%s%s/repositories/4242/issues/%d/comments?per_page=%d&page=%d>" % (host, prefix, number, per_page, p)
                    links = []
                    if page < last: links += [link(page + 1) + '; rel="next"', link(last) + '; rel="last"']
                    if page > 1: links += [link(1) + '; rel="first"', link(page - 1) + '; rel="prev"']
                    return self.send(200, [self.comment_json(c) for c in items], {"Link": ", ".join(links)} if links else None)
            return self.send(404, {"message": "Not Found"})
    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_any
class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
s = S(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"""#

    /// Starts a stub that knows `owner/repo` with pull requests `pulls` and accepts `token`.
    public init(owner: String = "acme", repo: String = "mesh-config", pulls: [Int] = [7], token: String = "test-token") throws {
        self.owner = owner
        self.repo = repo
        self.token = token
        (process, port) = try PythonServer.launch(script: GitHubStub.script,
                                                  arguments: [owner, repo, token, pulls.map(String.init).joined(separator: ",")],
                                                  name: "the GitHub stub")
    }

    deinit { stop() }

    /// `http://127.0.0.1:PORT` plus `prefix` (`/api/v3` to look like GitHub Enterprise).
    public func apiURL(prefix: String = "") -> String { "http://127.0.0.1:\(port)\(prefix)" }

    public func stop() {
        guard process.isRunning else { return }
        PythonServer.stop(process)
    }

    /// Replaces the stored comments and programmed failures and clears the request log. New
    /// comments get ids from `nextID` on. Comments are on pull request `issue`. `login` is what
    /// `GET /user` answers and who new comments are by; nil makes `GET /user` answer 403 as for an
    /// installation token, and new comments are then by `<app>[bot]` via app `app`. `linkBase`
    /// replaces `http://127.0.0.1:PORT` in `Link` headers (a foreign next page).
    public func reset(comments: [Comment] = [], failures: [Failure] = [], nextID: Int = 1000, issue: Int = 7,
                      login: String? = "github-actions[bot]", app: String? = nil, linkBase: String? = nil) throws {
        var state: [String: Any] = [
            "comments": comments.map { comment -> [String: Any] in
                var item: [String: Any] = ["id": comment.id, "body": comment.body, "user": comment.user, "issue": issue]
                if let app = comment.app { item["app"] = app }
                return item
            },
            "failures": failures.map { failure -> [String: Any] in
                var item: [String: Any] = ["path_contains": failure.pathContains, "status": failure.status, "message": failure.message,
                                           "headers": failure.headers, "times": failure.times]
                if let method = failure.method { item["method"] = method }
                return item
            },
            "next_id": nextID,
        ]
        if let login { state["login"] = login }
        if let app { state["app"] = app }
        if let linkBase { state["link_base"] = linkBase }
        _ = try control("POST", body: try JSONSerialization.data(withJSONObject: state))
    }

    /// The API requests since the last reset, in order.
    public func requests() throws -> [Request] {
        let root = try control("GET", body: nil)
        let log = root["log"] as? [[String: Any]] ?? []
        return log.map { entry in
            let raw = entry["body"] as? String ?? ""
            var commentBody: String?
            if let data = raw.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                commentBody = object["body"] as? String
            }
            return Request(method: entry["method"] as? String ?? "", path: entry["path"] as? String ?? "", commentBody: commentBody,
                           rawBody: raw, headers: entry["headers"] as? [String: String] ?? [:])
        }
    }

    /// The comments stored now, oldest first.
    public func comments() throws -> [Comment] {
        let root = try control("GET", body: nil)
        return (root["comments"] as? [[String: Any]] ?? []).map {
            Comment(id: $0["id"] as? Int ?? 0, body: $0["body"] as? String ?? "", user: $0["user"] as? String ?? "", app: $0["app"] as? String)
        }
    }

    /// Talks to `/_stub/state` over a plain socket (no libcurl, so the client under test is the
    /// only libcurl user).
    private func control(_ method: String, body: Data?) throws -> [String: Any] {
        let payload = body ?? Data()
        var request = "\(method) /_stub/state HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(payload.count)\r\n\r\n"
        if method == "GET" { request = "GET /_stub/state HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestGit.Failure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestGit.Failure(description: "cannot connect to the GitHub stub") }
        let bytes = Array(request.utf8) + Array(payload)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw TestGit.Failure(description: "send to the GitHub stub failed") }
            sent += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += buffer[..<n]
        }
        guard let split = response.firstRange(of: Array("\r\n\r\n".utf8)) else {
            throw TestGit.Failure(description: "bad response from the GitHub stub")
        }
        let json = Data(response[split.upperBound...])
        return try JSONSerialization.jsonObject(with: json) as? [String: Any] ?? [:]
    }
}
