import Foundation
import HTTP
import ReconcileTestSupport
import Testing

/// Drives the libcurl client against a real HTTP server on 127.0.0.1 (Python's http.server,
/// started per test) so requests, bodies, headers, status codes and streaming go over a socket.
@Suite(.onTestThreads, .serialized, .enabled(if: LoopbackServer.pythonAvailable, "python3 is needed for the loopback HTTP server"))
struct HTTPClientTests {
    @Test func getReturnsStatusHeadersAndBody() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let client = HTTPClient()
        let response = try client.send(HTTPRequest(url: server.url("/hello"), headers: [("X-Test", "abc")]))
        #expect(response.status == 200)
        #expect(response.header("content-type") == "application/json")
        #expect(response.bodyText.contains("\"path\": \"/hello\""))
        #expect(response.bodyText.contains("\"x-test\": \"abc\""))
    }

    @Test func patchSendsTheBody() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let body = Array("{\"a\": 1}".utf8)
        let response = try HTTPClient().send(HTTPRequest(method: "PATCH", url: server.url("/echo"),
                                                         headers: [("Content-Type", "application/apply-patch+yaml")], body: body))
        #expect(response.status == 200)
        #expect(response.bodyText.contains("\"method\": \"PATCH\""))
        #expect(response.bodyText.contains("\"body\": \"{\\\"a\\\": 1}\""))
        #expect(response.bodyText.contains("application/apply-patch+yaml"))
    }

    @Test func errorStatusIsAResponseNotAnError() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let response = try HTTPClient().send(HTTPRequest(url: server.url("/status/409")))
        #expect(response.status == 409)
        #expect(response.bodyText.contains("Conflict"))
    }

    @Test func streamDeliversChunksAndCanStopEarly() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        var lines: [String] = []
        var buffer: [UInt8] = []
        let result = try? HTTPClient().stream(HTTPRequest(url: server.url("/stream"), timeout: 10)) { chunk in
            buffer += chunk
            while let newline = buffer.firstIndex(of: 10) {
                lines.append(String(decoding: buffer[..<newline], as: UTF8.self))
                buffer.removeSubrange(...newline)
            }
            return lines.count < 3
        }
        #expect(lines.count >= 3)
        #expect(lines.first == "{\"type\":\"ADDED\",\"n\":0}")
        _ = result
    }

    @Test func connectionRefusedIsATransientConnectError() throws {
        let client = HTTPClient()
        let port = try LoopbackServer.unusedPort()
        #expect {
            try client.send(HTTPRequest(url: "http://127.0.0.1:\(port)/", timeout: 5))
        } throws: { error in
            guard let error = error as? HTTPError else { return false }
            return error.kind == .connect && error.isTransient && error.description.contains("127.0.0.1")
        }
    }

    @Test func slowServerTimesOut() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let start = Date()
        #expect {
            try HTTPClient().send(HTTPRequest(url: server.url("/slow"), timeout: 0.5))
        } throws: { error in
            (error as? HTTPError)?.kind == .timeout
        }
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func connectionsAreReused() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let client = HTTPClient()
        var ports = Set<String>()
        for _ in 0..<5 {
            let response = try client.send(HTTPRequest(url: server.url("/hello")))
            if let port = response.bodyText.split(separator: "\n").first(where: { $0.contains("client_port") }) { ports.insert(String(port)) }
        }
        #expect(ports.count == 1)
    }

    @Test func libraryVersionIsReported() {
        #expect(HTTPClient.libraryVersion.first?.isNumber == true)
    }
}
