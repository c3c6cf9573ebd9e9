import Foundation
import KubeTestServer
import ReconcileTestSupport
import Testing
import YAML

/// kubectl (if installed) against the server. The server does not serve /openapi/v3, so
/// `apply` runs with `--validate=false`.
@Suite(.onTestThreads, .serialized) struct KubectlTests {
    static let kubectl = "/usr/bin/kubectl"

    /// Runs kubectl with a deadline; the child is killed with SIGKILL (SIGTERM is blocked in test children).
    func run(_ arguments: [String], kubeconfig: String, input: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.kubectl)
        process.arguments = ["--kubeconfig", kubeconfig] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, text)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: kubectl), "kubectl is not installed at /usr/bin/kubectl"))
    func getApplyDiffDelete() throws {
        let server = try TestAPIServer()
        try server.start()
        defer { server.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kubectl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config").path
        try server.kubeconfig(user: .clientCertificateInline, namespace: "mesh").write(toFile: config, atomically: true, encoding: .utf8)

        let namespaces = try run(["get", "namespaces", "-o", "name", "--cache-dir", directory.path + "/cache"], kubeconfig: config)
        #expect(namespaces.status == 0, "\(namespaces.output)")
        #expect(namespaces.output.contains("namespace/default"))

        let manifest = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: mesh}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: mesh}
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews}
            """
        let apply = try run(["apply", "--server-side", "--field-manager=test", "--validate=false", "--cache-dir", directory.path + "/cache", "-f", "-"],
                            kubeconfig: config, input: manifest)
        #expect(apply.status == 0, "\(apply.output)")
        let object = server.object(apiVersion: "networking.istio.io/v1", kind: "VirtualService", namespace: "mesh", name: "reviews")
        #expect(object?[path: ["spec", "hosts"]] == ["reviews"])
        #expect(object?[path: ["metadata", "managedFields"]]?.sequence?.first?["manager"]?.string == "test")

        let get = try run(["get", "virtualservices.networking.istio.io", "reviews", "-o", "json", "--cache-dir", directory.path + "/cache"], kubeconfig: config)
        #expect(get.status == 0, "\(get.output)")
        #expect((try? Node(json: Array(get.output.utf8)))?[path: ["metadata", "name"]]?.string == "reviews")

        let changed = manifest.replacingOccurrences(of: "hosts: [reviews]", with: "hosts: [reviews, reviews.mesh]")
        let diff = try run(["diff", "--server-side", "--field-manager=test", "--cache-dir", directory.path + "/cache", "-f", "-"], kubeconfig: config, input: changed)
        #expect(diff.status == 1, "\(diff.output)")
        #expect(diff.output.contains("reviews.mesh"))

        let delete = try run(["delete", "virtualservices.networking.istio.io", "reviews", "--cache-dir", directory.path + "/cache"], kubeconfig: config)
        #expect(delete.status == 0, "\(delete.output)")
        #expect(server.object(apiVersion: "networking.istio.io/v1", kind: "VirtualService", namespace: "mesh", name: "reviews") == nil)
    }
}
