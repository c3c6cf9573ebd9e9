import Foundation
import HTTP
import KubeTestServer

/// The raw LIST floor: the same collection LISTs `reconcile plan` makes (taken from the server's
/// request log of a no-change plan), paged with `limit=500`, with no parsing beyond finding the
/// `continue` token. Two ways: in-process over libcurl with 8 in flight (what the plan's client
/// allows), and `kubectl get --raw` one page at a time (one kubectl process per page).
struct ListQuery: Hashable, CustomStringConvertible {
    var path: String
    var labelSelector: String?
    var limit: Int

    var description: String { path + (labelSelector.map { "?labelSelector=\($0)" } ?? "") }

    func url(continue token: String?) -> String {
        var query = ["limit=\(limit)"]
        if let labelSelector { query.insert("labelSelector=\(percentEncode(labelSelector))", at: 0) }
        if let token { query.append("continue=\(percentEncode(token))") }
        return path + "?" + query.joined(separator: "&")
    }

    private func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// First-page LISTs in a request log (GETs with `limit` and no `continue`).
    static func from(_ requests: [RecordedRequest]) -> [ListQuery] {
        var seen = Set<ListQuery>()
        var result: [ListQuery] = []
        for request in requests where request.method == "GET" && request.query["limit"] != nil && (request.query["continue"] ?? "").isEmpty {
            let query = ListQuery(path: request.path, labelSelector: request.query["labelSelector"], limit: Int(request.query["limit"]!) ?? 500)
            if seen.insert(query).inserted { result.append(query) }
        }
        return result
    }
}

struct FloorRun {
    var wall: Double
    var pages: Int
    var bytes: Int
    /// The most pages any one LIST took.
    var maxPages = 0
}

enum ListFloor {
    /// The `continue` token in a LIST response body, found without parsing the JSON.
    static func findContinue(in body: [UInt8]) -> String? {
        let needle = Array(#""continue":""#.utf8)
        return body.withUnsafeBufferPointer { bytes -> String? in
            guard bytes.count >= needle.count else { return nil }
            var i = 0
            while i <= bytes.count - needle.count {
                var j = 0
                while j < needle.count && bytes[i + j] == needle[j] { j += 1 }
                if j == needle.count {
                    let start = i + j
                    var end = start
                    while end < bytes.count && bytes[end] != UInt8(ascii: "\"") { end += 1 }
                    return end > start ? String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) : nil
                }
                i += 1
            }
            return nil
        }
    }

    /// Shared between the fetching threads, under its lock.
    /// What the LISTs fetched; `lock` guards the counts.
    private final class Progress: @unchecked Sendable {
        let lock = NSLock()
        var pages = 0
        var bytes = 0
        var maxPages = 0
    }

    /// All pages of every query over HTTPS, `concurrency` queries at a time.
    static func inProcess(_ queries: [ListQuery], server: TestAPIServer, token: String, concurrency: Int = 8) throws -> FloorRun {
        var configuration = HTTPClient.Configuration()
        configuration.tls = TLSConfiguration(caPEM: Array(server.caPEM.utf8))
        let base = server.url
        let progress = Progress()
        let start = Subprocess.now()
        try ThreadPool.run(count: queries.count, concurrency: concurrency, configuration: configuration) { client, index in
            var continueToken: String?
            var queryPages = 0
            repeat {
                let response = try client.send(HTTPRequest(url: base + queries[index].url(continue: continueToken),
                                                           headers: [("Authorization", "Bearer \(token)"), ("Accept", "application/json")]))
                guard response.status == 200 else { throw BenchError("LIST \(queries[index]): HTTP \(response.status)") }
                continueToken = findContinue(in: response.body)
                queryPages += 1
                progress.lock.withLock {
                    progress.pages += 1
                    progress.bytes += response.body.count
                    progress.maxPages = max(progress.maxPages, queryPages)
                }
            } while continueToken != nil
        }
        let wall = Subprocess.now() - start
        return progress.lock.withLock { FloorRun(wall: wall, pages: progress.pages, bytes: progress.bytes, maxPages: progress.maxPages) }
    }

    /// All pages of every query with `kubectl get --raw`, one after the other.
    static func kubectlRaw(_ queries: [ListQuery], kubectl: String, kubeconfig: String, scratch: String) throws -> FloorRun {
        var pages = 0
        var bytes = 0
        let start = Subprocess.now()
        for query in queries {
            var continueToken: String?
            repeat {
                let run = try Subprocess.run(kubectl, ["get", "--raw", query.url(continue: continueToken), "--kubeconfig", kubeconfig], outputPrefix: scratch)
                guard run.exitCode == 0, let body = FileManager.default.contents(atPath: run.stdoutPath) else {
                    throw BenchError("kubectl get --raw \(query): exit \(run.exitCode): \(run.stderr.prefix(400))")
                }
                pages += 1
                bytes += body.count
                continueToken = findContinue(in: [UInt8](body))
            } while continueToken != nil
        }
        return FloorRun(wall: Subprocess.now() - start, pages: pages, bytes: bytes)
    }
}
