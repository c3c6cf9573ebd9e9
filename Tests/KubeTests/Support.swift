import Foundation
@testable import Kube

/// A temporary folder removed when the test ends (call `remove()` in a defer).
struct TempDir {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "kube-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    @discardableResult
    func write(_ name: String, _ text: String, executable: Bool = false) throws -> String {
        let target = file(name)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target) }
        return target
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Recorded exchanges from a real API server (shared/k8s-transcripts), when present beside the repo.
enum Transcripts {
    static let directory: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("shared/k8s-transcripts").path
    }()

    static var available: Bool { FileManager.default.fileExists(atPath: directory + "/003-discovery-apis-aggregated.http") }

    /// Status, headers and body of the response in a transcript file.
    static func response(_ name: String) throws -> (status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        guard let marker = text.range(of: "### response\n") else { throw CocoaError(.fileReadCorruptFile) }
        let response = text[marker.upperBound...]
        let parts = response.components(separatedBy: "\n\n")
        let head = parts[0].split(separator: "\n").map(String.init)
        let status = Int(head[0].split(separator: " ")[1]) ?? 0
        let headers = head.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
        let body = parts.dropFirst().joined(separator: "\n\n")
        return (status, headers, Array(body.utf8))
    }
}

/// Fake PEM blocks: kubeconfig loading only moves bytes, it never parses certificates.
enum FakePEM {
    static let ca = "-----BEGIN CERTIFICATE-----\nQ0EK\n-----END CERTIFICATE-----\n"
    static let cert = "-----BEGIN CERTIFICATE-----\nQ0VSVAo=\n-----END CERTIFICATE-----\n"
    static let key = "-----BEGIN EC PRIVATE KEY-----\nS0VZCg==\n-----END EC PRIVATE KEY-----\n"
    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
}
