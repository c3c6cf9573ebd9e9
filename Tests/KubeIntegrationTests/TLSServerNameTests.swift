import Foundation
import HTTP
import Testing
@testable import Kube

/// kubeconfig `tls-server-name`: the certificate is checked against that name while the
/// connection goes to the server URL's host.
@Suite(.disabled(if: Harness.onRealCluster, "needs the test server's certificate names"))
struct TLSServerNameTests {
    @Test func serverNameIsVerifiedInsteadOfTheURLHost() async throws {
        let h = try await Harness()
        defer { Task { await h.tearDown() } }
        var connection = h.client.connection
        // The server certificate names localhost and 127.0.0.1, not "kube-apiserver.example".
        connection.tls.serverName = "localhost"
        let good = KubeClient(connection: connection)
        #expect(try await good.get(ObjectReference(apiVersion: "v1", kind: "Namespace", name: "default")) != nil)
        connection.tls.serverName = "kube-apiserver.example"
        var options = KubeClient.Options()
        options.maxRetries = 0
        let bad = KubeClient(connection: connection, options: options)
        await #expect { _ = try await bad.get(ObjectReference(apiVersion: "v1", kind: "Namespace", name: "default")) } throws: { error in
            guard let error = error as? KubeError else { return false }
            return error.code == 0 && error.transport?.kind == .tls
        }
    }
}
