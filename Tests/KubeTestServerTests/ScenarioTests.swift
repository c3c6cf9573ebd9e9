import Foundation
import HTTP
import KubeTestServer
import ReconcileTestSupport
import Testing
import YAML

/// Transcripts that need objects the recording created off the record (pagination pages) or
/// timing (watch), plus kubectl against the server.
@Suite(.onTestThreads, .serialized) struct ScenarioTests {
    let server: TestAPIServer
    let client: HTTPClient

    init() throws {
        server = try TestAPIServer()
        try server.start()
        let (certificate, key) = try server.issueClientCertificate(user: "kubernetes-admin")
        var configuration = HTTPClient.Configuration()
        configuration.tls = TLSConfiguration(caPEM: Array(server.caPEM.utf8), clientCertificatePEM: Array(certificate.utf8), clientKeyPEM: Array(key.utf8))
        configuration.http2 = false
        client = HTTPClient(configuration: configuration)
        _ = try server.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "transcripts"]])
    }

    /// Replays a transcript (as curl, whose User-Agent names the Update manager) and compares
    /// the status, and the body unless it holds values only that recording can have.
    func replay(_ number: String, compareBody: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let transcript = try Transcript.load(number)
        let response = try client.send(HTTPRequest(method: transcript.method, url: server.url + transcript.target,
                                                   headers: transcript.requestHeaders + [("User-Agent", "curl/8.5.0")],
                                                   body: transcript.requestBody.isEmpty ? nil : transcript.requestBody))
        #expect(response.status == transcript.status, "\(number): \(response.bodyText)", sourceLocation: sourceLocation)
        if compareBody, let expected = transcript.responseJSON {
            let got = (try? Node(json: response.body)).map(Transcript.normalize)
            #expect(got == Transcript.normalize(expected), "\(number): \(response.bodyText)", sourceLocation: sourceLocation)
        }
    }

    /// Applies the pages and `reviews` the pagination transcripts list, as reconcile applied them.
    func seedPages() throws {
        var items: [Node] = []
        for number in ["043", "044", "045"] { items += try Transcript.load(number).responseJSON?["items"]?.sequence ?? [] }
        for item in items {
            let name = item[path: ["metadata", "name"]]?.string ?? ""
            var body = Node.object(["apiVersion": "networking.istio.io/v1", "kind": "VirtualService"])
            var metadata = Node.object(["name": .string(name), "namespace": "transcripts"])
            metadata["labels"] = item[path: ["metadata", "labels"]]
            body["metadata"] = metadata
            body["spec"] = item["spec"]
            let response = try client.send(HTTPRequest(method: "PATCH",
                url: server.url + "/apis/networking.istio.io/v1/namespaces/transcripts/virtualservices/\(name)?fieldManager=reconcile",
                headers: [("Content-Type", "application/apply-patch+yaml")], body: Array(body.jsonString().utf8)))
            #expect(response.status == 201, "\(name): \(response.bodyText)")
        }
    }

    @Test func paginationSelectorsAndDeletes() throws {
        try seedPages()
        // 045 and 054 list `reviews`, whose recorded state came from earlier exchanges; 073's
        // message names the recorded resourceVersion.
        for number in ["043", "044", "047", "048", "051", "074", "083"] { try replay(number) }
        for number in ["045", "054", "073"] { try replay(number, compareBody: false) }
    }

    @Test func finalizerDeleteLifecycle() throws {
        let body = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: with-finalizer, namespace: transcripts, finalizers: [reconcile.dev/cleanup]}
            spec: {hosts: [a.example]}
            """
        let url = server.url + "/apis/networking.istio.io/v1/namespaces/transcripts/virtualservices/with-finalizer"
        _ = try client.send(HTTPRequest(method: "PATCH", url: url + "?fieldManager=reconcile", headers: [("Content-Type", "application/apply-patch+yaml")], body: Array(body.utf8)))
        let deleted = try client.send(HTTPRequest(method: "DELETE", url: url))
        #expect(deleted.status == 200)
        let terminating = server.object(apiVersion: "networking.istio.io/v1", kind: "VirtualService", namespace: "transcripts", name: "with-finalizer")
        #expect(terminating?[path: ["metadata", "deletionTimestamp"]] != nil)
        #expect(terminating?[path: ["metadata", "generation"]]?.int == 2)
        let patched = try client.send(HTTPRequest(method: "PATCH", url: url + "?fieldManager=reconcile",
                                                  headers: [("Content-Type", "application/merge-patch+json")], body: Array(#"{"metadata":{"finalizers":null}}"#.utf8)))
        #expect(patched.status == 200)
        #expect(server.object(apiVersion: "networking.istio.io/v1", kind: "VirtualService", namespace: "transcripts", name: "with-finalizer") == nil)
    }

    @Test func leasesAndEvents() throws {
        for number in ["091", "095", "097", "098", "099", "100", "101", "102"] {
            let transcript = try Transcript.load(number)
            if number == "098" || number == "099" {
                // PUT with the live resourceVersion (098), then the now-stale one (099).
                var body = try Node(json: transcript.requestBody)
                let live = server.object(apiVersion: "coordination.k8s.io/v1", kind: "Lease", namespace: "transcripts", name: "reconciler-leader")
                let rv = Int(live?[path: ["metadata", "resourceVersion"]]?.string ?? "0") ?? 0
                body["metadata"]?["resourceVersion"] = .string(String(number == "098" ? rv : rv - 1))
                let response = try client.send(HTTPRequest(method: "PUT", url: server.url + transcript.target,
                                                            headers: [("Content-Type", "application/json")], body: Array(body.jsonString().utf8)))
                #expect(response.status == transcript.status, "\(number): \(response.bodyText)")
                continue
            }
            if number == "101" || number == "102" {
                let setup = number == "101" ? "" : #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"reconciler-state","namespace":"transcripts"},"data":{"a":"1"}}"#
                if !setup.isEmpty {
                    _ = try client.send(HTTPRequest(method: "POST", url: server.url + "/api/v1/namespaces/transcripts/configmaps",
                                                    headers: [("Content-Type", "application/json")], body: Array(setup.utf8)))
                } else {
                    try seedPages()
                }
                let response = try client.send(HTTPRequest(method: transcript.method, url: server.url + transcript.target,
                                                           headers: transcript.requestHeaders, body: transcript.requestBody))
                #expect(response.status == transcript.status, "\(number): \(response.bodyText)")
                continue
            }
            try replay(number)
        }
    }

    /// Pages read the store from the continue key on (a range read, as etcd's); every object is
    /// listed once, in namespace/name order, a write between pages shows in the later pages,
    /// and remainingItemCount counts what is left.
    @Test func pagesCoverEveryObjectOnceAcrossWrites() throws {
        let namespaces = ["pages-a", "pages-b", "pages-c"]
        for namespace in namespaces {
            _ = try server.seed(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])
        }
        func configMap(_ namespace: String, _ name: String, odd: Bool) throws {
            _ = try server.seed(["apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": ["name": .string(name), "namespace": .string(namespace),
                                              "labels": ["parity": odd ? "odd" : "even"]]])
        }
        for namespace in namespaces {
            for index in [1, 3, 5, 7] { try configMap(namespace, "cm-\(index)", odd: true) }
        }
        /// Every page's items ("namespace/name"), and for each page that reports it, whether
        /// remainingItemCount equals the number of items the later pages held.
        func pages(_ collection: String, selector: String? = nil, between: (Int) throws -> Void = { _ in }) throws -> (names: [String], counts: [Bool]) {
            var names: [String] = []
            var reported: [(count: Int, listed: Int)] = []
            var token = ""
            var page = 0
            repeat {
                var url = server.url + collection + "?limit=3"
                if let selector { url += "&labelSelector=" + selector }
                if !token.isEmpty { url += "&continue=" + token }
                let body = try Node(json: client.send(HTTPRequest(url: url)).body)
                names += (body["items"]?.sequence ?? []).map {
                    "\($0[path: ["metadata", "namespace"]]?.string ?? "")/\($0[path: ["metadata", "name"]]?.string ?? "")"
                }
                if let count = body[path: ["metadata", "remainingItemCount"]]?.int { reported.append((count, names.count)) }
                token = body[path: ["metadata", "continue"]]?.string ?? ""
                page += 1
                try between(page)
            } while !token.isEmpty
            return (names, reported.map { $0.count == names.count - $0.listed })
        }
        let ours = { (names: [String]) in names.filter { $0.hasPrefix("pages-") && $0.contains("/cm-") } }
        let written = try pages("/api/v1/namespaces/pages-a/configmaps") { page in
            // After the first page (cm-1, cm-3, cm-5): one object before where the next page
            // starts, which this list never shows, and one after it, which it does.
            if page == 1 {
                try configMap("pages-a", "cm-0", odd: false)
                try configMap("pages-a", "cm-9", odd: false)
            }
        }
        #expect(ours(written.names) == [1, 3, 5, 7, 9].map { "pages-a/cm-\($0)" })
        let all = try pages("/api/v1/configmaps")
        let odd = namespaces.flatMap { namespace in [1, 3, 5, 7].map { "\(namespace)/cm-\($0)" } }
        #expect(ours(all.names) == (odd + ["pages-a/cm-0", "pages-a/cm-9"]).sorted())
        #expect(all.names == all.names.sorted())
        #expect(Set(all.names).count == all.names.count)
        #expect(!all.counts.isEmpty && all.counts.allSatisfy { $0 })
        let one = try pages("/api/v1/namespaces/pages-b/configmaps")
        #expect(ours(one.names) == [1, 3, 5, 7].map { "pages-b/cm-\($0)" })
        #expect(!one.counts.isEmpty && one.counts.allSatisfy { $0 })
        // With a label selector the server does not report remainingItemCount.
        let selected = try pages("/api/v1/configmaps", selector: "parity%3Dodd")
        #expect(ours(selected.names) == odd)
        #expect(selected.counts.isEmpty)
        #expect(try pages("/api/v1/configmaps", selector: "parity%3Deven").names == ["pages-a/cm-0", "pages-a/cm-9"])
    }

    @Test func watchFromTooOldResourceVersion() throws {
        server.compactHistory()
        let transcript = try Transcript.load("086")
        let response = try client.send(HTTPRequest(url: server.url + transcript.target, headers: transcript.requestHeaders, timeout: 10))
        #expect(response.status == 200)
        let event = try Node(json: Array(response.bodyText.split(separator: "\n")[0].utf8))
        #expect(event["type"]?.string == "ERROR")
        #expect(event[path: ["object", "code"]]?.int == 410)
        #expect(event[path: ["object", "reason"]]?.string == "Expired")
        #expect(event[path: ["object", "message"]]?.string?.hasPrefix("too old resource version: 1 (") == true)
    }

    @Test func watchStreamsEventsAndBookmarks() throws {
        let list = try client.send(HTTPRequest(url: server.url + "/apis/networking.istio.io/v1/namespaces/transcripts/virtualservices"))
        let rv = try Node(json: list.body)[path: ["metadata", "resourceVersion"]]?.string ?? "0"
        let applier = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            try? seedPages()
        }
        applier.start()
        let response = try client.send(HTTPRequest(url: server.url + "/apis/networking.istio.io/v1/namespaces/transcripts/virtualservices?watch=1&allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion=\(rv)&labelSelector=pagination-group%3Dodd", timeout: 10))
        let events = try response.bodyText.split(separator: "\n").map { try Node(json: Array($0.utf8)) }
        #expect(events.filter { $0["type"]?.string == "ADDED" }.count == 3)
        #expect(events.contains { $0["type"]?.string == "BOOKMARK" })
        #expect(response.header("Transfer-Encoding") == "chunked")
    }
}
