import Executors
import Foundation
import Testing
import YAML
@testable import Kube

@Suite struct WatchParsingTests {
    @Test func lineSplitterHandlesArbitraryChunkBoundaries() throws {
        let text = "{\"a\":1}\n\n{\"b\":\"é\"}\r\n{\"c\":3}"
        let bytes = Array(text.utf8)
        for size in 1...bytes.count {
            var splitter = LineSplitter()
            var lines: [String] = []
            var index = 0
            while index < bytes.count {
                let chunk = Array(bytes[index..<min(bytes.count, index + size)])
                lines += try splitter.feed(chunk).map { String(decoding: $0, as: UTF8.self) }
                index += size
            }
            if let rest = splitter.finish() { lines.append(String(decoding: rest, as: UTF8.self)) }
            #expect(lines == ["{\"a\":1}", "{\"b\":\"é\"}", "{\"c\":3}"], "chunk size \(size)")
        }
    }

    /// Found by fuzz-watch-lines (a 52 KB event fed 7 bytes at a time took over 10 s): every feed
    /// searched the whole pending line again, so a long line cost its length times its chunks. A
    /// 4 MB line in 256-byte chunks (16,384 feeds) must take about what one pass over it does.
    @Test(.timeLimit(.minutes(1))) func longLineInSmallChunksIsSearchedOnce() throws {
        var splitter = LineSplitter()
        let event = Array("{\"type\":\"ADDED\",\"object\":{\"data\":\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 4 << 20) + Array("\"}}\r\n{\"a\":1}".utf8)
        let clock = ContinuousClock()
        var lines: [[UInt8]] = []
        let elapsed = try clock.measure {
            var index = 0
            while index < event.count {
                lines += try splitter.feed(Array(event[index..<min(event.count, index + 256)]))
                index += 256
            }
        }
        #expect(lines.count == 1 && lines.first?.count == event.count - 9)
        #expect(splitter.finish() == Array("{\"a\":1}".utf8))
        #expect(elapsed < .seconds(20), "16,384 feeds of a 4 MB line took \(elapsed)")
    }

    @Test func sessionYieldsEventsAndTracksResourceVersion() async throws {
        let stream = """
        {"type":"ADDED","object":{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"w","namespace":"t","resourceVersion":"1156"}}}
        {"type":"MODIFIED","object":{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"w","namespace":"t","resourceVersion":"1157"}}}
        {"type":"DELETED","object":{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"w","namespace":"t","resourceVersion":"1158"}}}
        {"type":"BOOKMARK","object":{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"resourceVersion":"1165"}}}

        """
        let (events, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream()
        let lastRV = Locked<String?>("1153")
        let session = WatchSession(continuation: continuation, lastRV: lastRV, described: "VirtualService")
        let bytes = Array(stream.utf8)
        // Feed in awkward pieces, as the network would.
        var index = 0
        while index < bytes.count {
            #expect(session.feed(Array(bytes[index..<min(bytes.count, index + 37)])))
            index += 37
        }
        session.finish()
        continuation.finish()
        var seen: [String] = []
        for try await event in events {
            switch event {
            case .added(let object): seen.append("added \(object[path: ["metadata", "resourceVersion"]]?.string ?? "")")
            case .modified(let object): seen.append("modified \(object[path: ["metadata", "resourceVersion"]]?.string ?? "")")
            case .deleted(let object): seen.append("deleted \(object[path: ["metadata", "resourceVersion"]]?.string ?? "")")
            case .bookmark(let rv): seen.append("bookmark \(rv)")
            case .relisted: seen.append("relisted")
            }
        }
        #expect(seen == ["added 1156", "modified 1157", "deleted 1158", "bookmark 1165"])
        #expect(lastRV.current == "1165")
        #expect(session.events == 4)
        #expect(session.stopReason == nil)
    }

    @Test func errorEventWith410StopsAsGoneAndOthersAsFailures() {
        let (_, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream()
        let gone = WatchSession(continuation: continuation, lastRV: Locked("1"), described: "VirtualService")
        let line = #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (622)","reason":"Expired","code":410}}"# + "\n"
        #expect(!gone.feed(Array(line.utf8)))
        guard case .gone = gone.stopReason else { Issue.record("expected gone"); return }
        let forbidden = WatchSession(continuation: continuation, lastRV: Locked(nil), described: "VirtualService")
        let denied = #"{"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"forbidden","reason":"Forbidden","code":403}}"# + "\n"
        #expect(!forbidden.feed(Array(denied.utf8)))
        guard case .failed(let error) = forbidden.stopReason else { Issue.record("expected failure"); return }
        #expect(error.code == 403)
    }

    @Test func pathsAndQueriesAreEscaped() {
        let vs = APIResource(group: "networking.istio.io", version: "v1", kind: "VirtualService", name: "virtualservices", namespaced: true)
        #expect(vs.collectionPath(namespace: "shop") == "/apis/networking.istio.io/v1/namespaces/shop/virtualservices")
        #expect(vs.collectionPath(namespace: nil) == "/apis/networking.istio.io/v1/virtualservices")
        #expect(vs.objectPath(namespace: "shop", name: "web") == "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/web")
        let ns = APIResource(group: "", version: "v1", kind: "Namespace", name: "namespaces", namespaced: false)
        #expect(ns.objectPath(namespace: "ignored", name: "shop") == "/api/v1/namespaces/shop")
        #expect(PathEscaping.query([("labelSelector", "app in (a,b),tier!=db"), ("limit", "10"), ("continue", nil)])
                == "labelSelector=app%20in%20%28a%2Cb%29%2Ctier%21%3Ddb&limit=10")
        #expect(PathEscaping.query([("continue", "eyJ2Ijoi+/=")]) == "continue=eyJ2Ijoi%2B%2F%3D")
        #expect(PathEscaping.segment("a/b c") == "a%2Fb%20c")
        let ref = ObjectReference(apiVersion: "networking.istio.io/v1", kind: "VirtualService", namespace: "shop", name: "web")
        #expect(ref.group == "networking.istio.io" && ref.version == "v1" && ref.description == "VirtualService shop/web")
        let core = ObjectReference(apiVersion: "v1", kind: "Namespace", name: "shop")
        #expect(core.group == "" && core.version == "v1" && core.description == "Namespace shop")
    }
}
