import Foundation
import ReconcileTestSupport
import Testing
import JSON
import YAML

/// The admission policies' CEL, evaluated: the test API server does not run CEL, so
/// scripts/check-admission-policy.py (cel-python) evaluates the template's real expressions —
/// rendered here with known values — against scripts/admission-policy-cases.json. Skipped, and
/// says so, only when no python3 with the `celpy` module is installed (CI installs it: .ci/run).
@Suite(.onTestThreads, .enabled(if: CELChecker.python != nil, "skipped: no python3 with cel-python (module celpy); pip install cel-python==0.5.0"))
struct AdmissionPolicyCELTests {
    static let username = "system:serviceaccount:reconcile-system:reconcile"

    /// The values the cases assume (their `_comment` says the same).
    static let namespaceLabels = ["example.com/team", "tenant.example.com/*"]
    static let namespaceAnnotations = ["example.com/owner"]

    @Test func policiesDecideEveryCaseAsExpected() throws {
        let python = try #require(CELChecker.python)
        let rendered = try CELChecker.render(username: Self.username, namespaceLabels: Self.namespaceLabels,
                                             namespaceAnnotations: Self.namespaceAnnotations)
        let policies = FileManager.default.temporaryDirectory.appendingPathComponent("admission-policy-\(UUID().uuidString).json")
        try Data(Node.sequence(rendered).jsonBytes()).write(to: policies)
        defer { try? FileManager.default.removeItem(at: policies) }
        let scripts = ChartFiles.repositoryRoot.appendingPathComponent("scripts")
        let (status, output) = try CELChecker.run(python, [
            scripts.appendingPathComponent("check-admission-policy.py").path,
            "--policies", policies.path,
            "--cases", scripts.appendingPathComponent("admission-policy-cases.json").path,
            "--username", Self.username,
        ])
        let mismatches = output.split(separator: "\n").filter { $0.hasPrefix("MISMATCH") }
        #expect(status == 0 && mismatches.isEmpty, "check-admission-policy.py exited \(status):\n\(output)")
        let summary = output.split(separator: "\n").last.map(String.init) ?? ""
        let count = Int(summary.split(separator: " ").dropFirst().first ?? "") ?? 0
        #expect(count >= 15, "expected at least 15 cases: \(summary)")
    }

    /// The checker can fail: a policy without its pod-template check lets an image change through.
    @Test func checkerReportsAPolicyThatLetsTooMuchThrough() throws {
        let python = try #require(CELChecker.python)
        var rendered = try CELChecker.render(username: Self.username, namespaceLabels: Self.namespaceLabels,
                                             namespaceAnnotations: Self.namespaceAnnotations)
        let index = try #require(rendered.firstIndex { $0[path: ["metadata", "name"]]?.string?.hasSuffix("-workloads") == true && $0["kind"]?.string == "ValidatingAdmissionPolicy" })
        var validations = try #require(rendered[index][path: ["spec", "validations"]]?.sequence)
        validations.removeAll { $0["expression"]?.string?.contains("object.spec.template.spec ==") == true }
        rendered[index]["spec"]?["validations"] = .sequence(validations)
        let policies = FileManager.default.temporaryDirectory.appendingPathComponent("admission-policy-\(UUID().uuidString).json")
        try Data(Node.sequence(rendered).jsonBytes()).write(to: policies)
        defer { try? FileManager.default.removeItem(at: policies) }
        let scripts = ChartFiles.repositoryRoot.appendingPathComponent("scripts")
        let (status, output) = try CELChecker.run(python, [
            scripts.appendingPathComponent("check-admission-policy.py").path, "--policies", policies.path,
            "--cases", scripts.appendingPathComponent("admission-policy-cases.json").path, "--username", Self.username,
        ])
        #expect(status == 1)
        #expect(output.contains("MISMATCH deployment: image change is denied: expected deny, got allow"), "\(output)")
    }
}

/// Renders templates/admissionpolicy.yaml as Helm would for given values (only its few inline
/// actions: names, the ServiceAccount user, the allowed key lists) and runs python3.
enum CELChecker {
    /// A python3 that can `import celpy`: the one on PATH first, then /usr/bin/python3.
    static let python: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = path.split(separator: ":").map { "\($0)/python3" } + ["/usr/bin/python3"]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            if let (status, _) = try? run(candidate, ["-c", "import celpy"]), status == 0 { return candidate }
        }
        return nil
    }()

    static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The template's documents with its inline actions rendered; patterns split into exact keys
    /// and prefixes (a pattern ending in `*`) as the template's `range` does.
    static func render(username: String, namespaceLabels: [String], namespaceAnnotations: [String]) throws -> [Node] {
        func split(_ patterns: [String]) -> (keys: [String], prefixes: [String]) {
            (patterns.filter { !$0.hasSuffix("*") }, patterns.filter { $0.hasSuffix("*") }.map { String($0.dropLast()) })
        }
        let labels = split(["istio-injection", "istio.io/rev", "reconcile.dev/*"] + namespaceLabels)
        let annotations = split(["reconcile.dev/*"] + namespaceAnnotations)
        let parts = username.split(separator: ":")
        let actions: [String: String] = [
            #"include "reconcile.clusterName" ."#: "\(parts[2])-reconcile",
            #"printf "request.userInfo.username == 'system:serviceaccount:%s:%s'" .Release.Namespace (include "reconcile.serviceAccountName" .) | quote"#:
                quote("request.userInfo.username == '\(username)'"),
            "$labelKeys | toJson | quote": quote(Node.sequence(labels.keys.map(Node.string)).jsonString()),
            "$labelPrefixes | toJson | quote": quote(Node.sequence(labels.prefixes.map(Node.string)).jsonString()),
            "$annotationKeys | toJson | quote": quote(Node.sequence(annotations.keys.map(Node.string)).jsonString()),
            "$annotationPrefixes | toJson | quote": quote(Node.sequence(annotations.prefixes.map(Node.string)).jsonString()),
        ]
        let text = ChartFiles.templateSkeleton(try ChartFiles.text("templates/admissionpolicy.yaml"), actions: actions)
        #expect(!text.contains("TEMPLATE"), "an inline action of admissionpolicy.yaml this test does not render")
        return try YAMLParser.parse(text, file: "admissionpolicy.yaml").map { $0.root.withoutMarks }
    }

    /// Sprig's `quote` (Go `%q`) for the ASCII strings used here.
    static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
