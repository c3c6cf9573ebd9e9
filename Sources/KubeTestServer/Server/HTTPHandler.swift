import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import YAML

/// One HTTP/1.1 connection: collects a request, authenticates it, applies faults, asks the API
/// core, and writes a full response or a chunked watch stream (one JSON event per line).
final class HTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let server: TestAPIServer
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var watcher: Watcher?
    private var timers: [() -> Void] = []
    /// The watch response on this connection is open: body chunks may be written. Events and
    /// bookmarks queued on the loop after it ended are dropped (a body after `.end` is a NIO
    /// precondition failure).
    private var streaming = false

    init(server: TestAPIServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head; body = []
        case .body(var buffer): body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            self.head = nil
            serve(context: context, head: head, body: body)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        endWatch()
        context.fireChannelInactive()
    }

    private func endWatch() {
        if let watcher { server.core.store.removeWatcher(watcher) }
        watcher = nil
        timers.forEach { $0() }
        timers = []
    }

    private func serve(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let (path, query) = Self.split(head.uri)
        let headers = head.headers.map { (name: $0.name, value: $0.value) }
        var user: String?
        var authFailed = false
        if let auth = head.headers.first(name: "Authorization"), auth.hasPrefix("Bearer ") {
            user = server.options.tokens[String(auth.dropFirst(7))]
            authFailed = user == nil
        } else if let handler = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
                  let certificate = handler.peerCertificate {
            user = (try? certificate.toDERBytes()).flatMap(CertificateAuthority.commonName)
        }
        let request = APIRequest(method: head.method.rawValue, path: path, query: query, headers: headers, body: body, user: user)
        let keepAlive = head.isKeepAlive
        let fault = server.takeFault(method: request.method, path: path)
        var dropAfter: Int?
        switch fault?.action {
        case .status(let code, let retryAfter)?:
            var extra: [(name: String, value: String)] = []
            if let retryAfter { extra.append(("Retry-After", String(retryAfter))) }
            let error = APIError(code: code, reason: Self.reason(code), message: "injected fault: \(code)", details: retryAfter.map { Node.object(["retryAfterSeconds": Node(.int($0))]) })
            var response = APIResponse(error: error)
            response.headers += extra
            server.record(request, status: code)
            write(context: context, response: response, keepAlive: keepAlive)
            return
        case .closeConnection?:
            server.record(request, status: 0)
            context.close(promise: nil)
            return
        case .delay(let seconds)?:
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
                let (handler, context) = loopBound.value
                handler.dispatch(context: context, request: request, keepAlive: keepAlive, authFailed: authFailed, dropAfter: nil)
            }
            return
        case .dropWatch(let events)?:
            dropAfter = events
        case nil: break
        }
        dispatch(context: context, request: request, keepAlive: keepAlive, authFailed: authFailed, dropAfter: dropAfter)
    }

    private func dispatch(context: ChannelHandlerContext, request: APIRequest, keepAlive: Bool, authFailed: Bool, dropAfter: Int?) {
        if authFailed {
            let error = APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")
            server.record(request, status: 401)
            write(context: context, response: APIResponse(error: error), keepAlive: keepAlive)
            return
        }
        switch server.core.handle(request) {
        case .response(let response):
            server.record(request, status: response.status)
            write(context: context, response: response, keepAlive: keepAlive)
        case .watch(let plan):
            server.record(request, status: 200)
            startWatch(context: context, plan: plan, dropAfter: dropAfter)
        }
    }

    private func write(context: ChannelHandlerContext, response: APIResponse, keepAlive: Bool) {
        var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Cache-Control", value: "no-cache, private")
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive { done.whenComplete { _ in context.close(promise: nil) } }
    }

    private func startWatch(context: ChannelHandlerContext, plan: WatchPlan, dropAfter: Int?) {
        let headers = HTTPHeaders([("Content-Type", "application/json"), ("Transfer-Encoding", "chunked"), ("Cache-Control", "no-cache, private")])
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        streaming = true
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let finish: @Sendable () -> Void = {
            loop.execute {
                let (handler, context) = bound.value
                handler.endWatch()
                guard handler.streaming else { return }
                handler.streaming = false
                context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
        let send: @Sendable (String) -> Void = { line in
            loop.execute {
                let (handler, context) = bound.value
                guard handler.streaming, context.channel.isActive else { return }
                context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: line)))), promise: nil)
            }
        }
        let core = server.core
        let type = plan.type
        let version = plan.version
        let watcher = Watcher(resource: APIServerCore.storageKey(type), namespace: plan.namespace, selector: plan.selector,
                              fieldName: plan.fieldName, apiVersion: type.apiVersion(version), kind: type.kind, bookmarks: plan.bookmarks,
                              render: { core.render($0, type: type, version: version) }, send: send)
        if let expired = plan.expired {
            watcher.error(expired)
            finish()
            return
        }
        if let dropAfter {
            watcher.remainingEvents = dropAfter
            watcher.onExhausted = { loop.execute { bound.value.1.close(promise: nil) } }
        }
        self.watcher = watcher
        let store = core.store
        let initial = plan.sendInitialEvents ? store.list(APIServerCore.storageKey(type), namespace: plan.namespace)
            .sorted { ($0[path: ["metadata", "name"]]?.string ?? "") < ($1[path: ["metadata", "name"]]?.string ?? "") } : nil
        store.addWatcher(watcher, replayAfter: plan.from, initial: initial)
        if plan.bookmarks {
            let interval = TimeAmount.milliseconds(Int64(server.options.bookmarkInterval * 1000))
            let task = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                watcher.bookmark(store.withLock { store.resourceVersion })
            }
            timers.append { task.cancel() }
        }
        if let timeout = plan.timeout {
            if plan.bookmarks && timeout > 1 {
                let task = loop.scheduleTask(in: .milliseconds(Int64(max(timeout - 2, timeout / 2) * 1000))) {
                    watcher.bookmark(store.withLock { store.resourceVersion })
                }
                timers.append { task.cancel() }
            }
            let task = loop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) { finish() }
            timers.append { task.cancel() }
        }
    }

    static func split(_ uri: String) -> (String, [String: String]) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let decode = { (s: Substring) in s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            query[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return (String(uri[..<mark]), query)
    }

    static func reason(_ code: Int) -> String? {
        switch code {
        case 400: return "BadRequest"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 409: return "Conflict"
        case 410: return "Expired"
        case 429: return "TooManyRequests"
        case 500: return "InternalError"
        case 503: return "ServiceUnavailable"
        case 504: return "Timeout"
        default: return nil
        }
    }
}
