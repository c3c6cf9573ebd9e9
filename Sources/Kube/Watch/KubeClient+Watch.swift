import Foundation
import HTTP
import JSON
import YAML

extension KubeClient {
    /// Watches a resource: `?watch=true&allowWatchBookmarks=true&resourceVersion=RV`, one JSON
    /// event per line, parsed as the bytes arrive. The last resourceVersion seen (from every event
    /// and bookmark) is kept, so a dropped stream or a server-side timeout reconnects from it
    /// without losing or repeating events. When the server says that version is too old (HTTP
    /// 410, or an ERROR event with code 410, as a real server sends on a 200 stream), the watch
    /// lists afresh, emits `.relisted(items, rv)` and carries on from that list.
    ///
    /// Reconnects back off (full jitter, capped at 30 s) and give up after `maxRetries`
    /// consecutive failed connections; errors that retrying cannot fix (403, 404, ...) end the
    /// stream at once. Cancelling the consuming task (or dropping the stream) aborts the transfer
    /// within about a second.
    public func watch(_ resource: APIResource, namespace: String? = nil, labelSelector: String? = nil,
                      resourceVersion: String? = nil) -> AsyncThrowingStream<WatchEvent, any Error> {
        AsyncThrowingStream { continuation in
            let cancelled = LockedValue(false)
            let task = Task {
                do {
                    try await self.runWatch(resource, namespace: namespace, labelSelector: labelSelector, resourceVersion: resourceVersion,
                                            continuation: continuation, cancelled: cancelled)
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in
                cancelled.withLock { $0 = true }
                task.cancel()
            }
        }
    }

    /// How one watch connection ended.
    enum WatchEnd: Sendable {
        /// The stream closed (server timeout, dropped connection); carry on from `lastRV`.
        case closed(events: Int)
        /// 410: the resourceVersion is too old.
        case gone
        case failed(KubeError)
        case cancelled
    }

    private func runWatch(_ resource: APIResource, namespace: String?, labelSelector: String?, resourceVersion: String?,
                          continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation, cancelled: LockedValue<Bool>) async throws {
        var lastRV = resourceVersion.flatMap { $0.isEmpty ? nil : $0 }
        var failures = 0
        let described = resource.kind + (namespace.map { " in \($0)" } ?? "")
        while !cancelled.current && !Task.isCancelled {
            let rvBox = LockedValue(lastRV)
            let end = await watchOnce(resource, namespace: namespace, labelSelector: labelSelector, lastRV: rvBox,
                                      continuation: continuation, cancelled: cancelled, described: described)
            lastRV = rvBox.current
            switch end {
            case .cancelled:
                return
            case .closed(let events):
                if events > 0 {
                    failures = 0
                    continue
                }
                // Closed without delivering anything: pause before reconnecting so a server that
                // keeps closing at once is not hammered.
                failures += 1
            case .gone:
                let list = try await self.list(resource, namespace: namespace, labelSelector: labelSelector)
                continuation.yield(.relisted(list.items, resourceVersion: list.resourceVersion))
                lastRV = list.resourceVersion
                failures = 0
                continue
            case .failed(let error):
                let retryable = error.code == 0 || error.code == 429 || (500...504).contains(error.code)
                guard retryable else { throw error }
                failures += 1
                if failures > options.maxRetries { throw error }
                if let retryAfter = error.retryAfter {
                    try await sleep(min(retryAfter, 30))
                    continue
                }
            }
            let ceiling = min(30, options.baseBackoff * pow(2, Double(min(failures, 20))))
            try await sleep(random() * ceiling)
        }
    }

    private func watchOnce(_ resource: APIResource, namespace: String?, labelSelector: String?, lastRV: LockedValue<String?>,
                           continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation, cancelled: LockedValue<Bool>,
                           described: String) async -> WatchEnd {
        // The server ends each watch after timeoutSeconds (as client-go: 5-10 minutes, spread);
        // the client timeout is a little longer, so a silently dead connection is noticed.
        let serverTimeout = Int(300 + random() * 300)
        let query: [(String, String?)] = [
            ("watch", "true"),
            ("allowWatchBookmarks", "true"),
            ("resourceVersion", lastRV.current),
            ("labelSelector", labelSelector.flatMap { $0.isEmpty ? nil : $0 }),
            ("timeoutSeconds", String(serverTimeout)),
        ]
        var reauthenticated = false
        while true {
            let client: HTTPClient
            let headers: [(name: String, value: String)]
            do {
                (client, headers) = try await authentication()
            } catch let error as KubeError {
                return .failed(error)
            } catch {
                return .failed(KubeError(code: 0, reason: "Unauthorized", message: "\(error)", verb: "watch", object: described))
            }
            let request = HTTPRequest(method: "GET", url: url(resource.collectionPath(namespace: resource.namespaced ? namespace : nil), query: query),
                                      headers: headers + [("Accept", "application/json")], timeout: Double(serverTimeout + 30),
                                      shouldAbort: { cancelled.current })
            let session = WatchSession(continuation: continuation, lastRV: lastRV, described: described)
            countRequest("GET")
            let result: (status: Int, headers: [(name: String, value: String)])
            do {
                result = try await BlockingExecutor.shared.run {
                    try client.stream(request) { chunk in
                        if cancelled.current { return false }
                        return session.feed(chunk)
                    }
                }
            } catch let error as HTTPError {
                if cancelled.current { return .cancelled }
                return endAfterTransport(error, session: session, described: described)
            } catch {
                return .failed(KubeError(code: 0, message: "\(error)", verb: "watch", object: described))
            }
            if cancelled.current { return .cancelled }
            if result.status == 401, let execProvider, !reauthenticated {
                reauthenticated = true
                await execProvider.invalidate()
                continue
            }
            if result.status == 410 { return .gone }
            if !(200..<300).contains(result.status) {
                return .failed(KubeError.from(status: result.status, body: session.raw, headers: result.headers, verb: "watch", object: described))
            }
            session.finish()
            return session.stopReason ?? .closed(events: session.events)
        }
    }

    private func endAfterTransport(_ error: HTTPError, session: WatchSession, described: String) -> WatchEnd {
        if let reason = session.stopReason { return reason }
        // Events arrived before the connection broke: a drop, resume from the last version.
        if session.events > 0 { return .closed(events: session.events) }
        return .failed(KubeError.transport(error, verb: "watch", object: described))
    }
}

/// The state of one watch connection, fed from libcurl's write callback (one thread at a
/// time): splits lines, decodes events, yields them, tracks the last resourceVersion, and keeps
/// the first bytes in case the answer is an error Status rather than a stream.
final class WatchSession: @unchecked Sendable {
    private var splitter = LineSplitter()
    private let continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    private let lastRV: LockedValue<String?>
    private let described: String
    private(set) var raw: [UInt8] = []
    private(set) var events = 0
    /// Set when an event ended the stream (ERROR 410 → .gone, other ERROR → .failed).
    private(set) var stopReason: KubeClient.WatchEnd?

    init(continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation, lastRV: LockedValue<String?>, described: String) {
        self.continuation = continuation
        self.lastRV = lastRV
        self.described = described
    }

    /// Returns false to stop the transfer.
    func feed(_ chunk: [UInt8]) -> Bool {
        if raw.count < 65_536 { raw.append(contentsOf: chunk.prefix(65_536 - raw.count)) }
        do {
            for line in try splitter.feed(chunk) {
                if !handle(line) { return false }
            }
        } catch {
            stopReason = .failed(KubeError(code: 0, message: "watch event too large", verb: "watch", object: described))
            return false
        }
        return true
    }

    func finish() {
        if stopReason == nil, let line = splitter.finish() { _ = handle(line) }
    }

    /// Handles one line; false when the stream must stop.
    private func handle(_ line: [UInt8]) -> Bool {
        // A non-watch answer (an error Status) is not an event: it is decoded from `raw` later.
        guard let event = try? Node(json: line, marks: false), let type = event["type"]?.string, let object = event["object"] else { return true }
        let rv = object[path: ["metadata", "resourceVersion"]]?.string
        switch type {
        case "ADDED", "MODIFIED", "DELETED":
            if let rv, !rv.isEmpty { lastRV.withLock { $0 = rv } }
            events += 1
            switch type {
            case "ADDED": continuation.yield(.added(object))
            case "MODIFIED": continuation.yield(.modified(object))
            default: continuation.yield(.deleted(object))
            }
        case "BOOKMARK":
            if let rv, !rv.isEmpty {
                lastRV.withLock { $0 = rv }
                events += 1
                continuation.yield(.bookmark(resourceVersion: rv))
            }
        case "ERROR":
            let error = KubeError.from(statusObject: object, verb: "watch", object: described)
            stopReason = error.code == 410 || error.reason == "Expired" || error.reason == "Gone" ? .gone : .failed(error)
            return false
        default:
            break
        }
        return true
    }
}
