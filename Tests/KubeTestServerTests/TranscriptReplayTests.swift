import Foundation
import HTTP
import KubeTestServer
import ReconcileTestSupport
import Testing
import YAML

/// Replays recorded kube-apiserver exchanges against the test server, in recording order
/// (later exchanges depend on the objects earlier ones created), and compares status and body.
@Suite(.onTestThreads, .serialized) struct TranscriptReplayTests {
    static let numbers = ["001", "010", "011", "008", "009", "012", "014", "015", "016", "017", "018", "019", "020", "021", "022", "023",
                          "024", "025", "026", "027", "028", "029", "030", "031", "032", "033", "035", "036", "037", "049", "050",
                          "052", "053", "055", "056", "057", "058", "059", "060", "083", "092", "093", "094", "096", "103", "107", "114"]

    @Test func replay() throws {
        let server = try TestAPIServer()
        try server.start()
        defer { server.stop() }
        let (certificate, key) = try server.issueClientCertificate(user: "kubernetes-admin")
        var configuration = HTTPClient.Configuration()
        configuration.tls = TLSConfiguration(caPEM: Array(server.caPEM.utf8), clientCertificatePEM: Array(certificate.utf8), clientKeyPEM: Array(key.utf8))
        configuration.http2 = false
        let client = HTTPClient(configuration: configuration)
        var anonymousConfiguration = configuration
        anonymousConfiguration.tls = TLSConfiguration(caPEM: Array(server.caPEM.utf8))
        let anonymous = HTTPClient(configuration: anonymousConfiguration)

        for number in Self.numbers {
            let transcript = try Transcript.load(number)
            var headers = transcript.requestHeaders.filter { $0.name != "Authorization" }
            var sender = client
            if let auth = transcript.requestHeaders.first(where: { $0.name == "Authorization" }) {
                headers.append(auth)
                sender = anonymous
            }
            if number == "107" { sender = anonymous }
            let body = transcript.requestBody.isEmpty ? nil : transcript.requestBody
            let response = try sender.send(HTTPRequest(method: transcript.method, url: server.url + transcript.target, headers: headers, body: body))
            #expect(response.status == transcript.status, "\(number): \(response.bodyText)")
            if let expected = transcript.responseJSON {
                let actual = try? Node(json: response.body)
                var want = Transcript.normalize(expected)
                var got = actual.map(Transcript.normalize)
                if number == "001" {
                    want["serverAddressByClientCIDRs"] = nil
                    got?["serverAddressByClientCIDRs"] = nil
                }
                #expect(got == want, "\(number): got \(got?.jsonString() ?? response.bodyText)")
            } else if !transcript.responseBody.isEmpty {
                #expect(response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines) == transcript.responseBody, "\(number)")
            }
        }
    }
}
