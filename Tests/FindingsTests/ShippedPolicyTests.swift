import Foundation
import ReconcileCore
import ReconcileFindings
import Testing

/// `policies/*.yaml` (the readable source) and the constants embedded in the core
/// (`ShippedPolicies.swift`) are the same text, and every shipped policy parses.
///
/// After changing a file in `policies/`, regenerate the Swift file and review the diff:
///
///     RECONCILE_UPDATE_SHIPPED_POLICIES=1 swift test --filter ShippedPolicyTests
@Suite struct ShippedPolicyTests {
    static let swiftFile = repositoryRoot.appendingPathComponent("Sources/ReconcileFindings/ShippedPolicies.swift")

    static func policyFiles() throws -> [(path: String, text: String)] {
        let directory = repositoryRoot.appendingPathComponent("policies")
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }.sorted().map { name in
            ("policies/\(name)", try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8))
        }
    }

    /// The Swift source generated from the policy files.
    static func generated(_ files: [(path: String, text: String)]) -> String {
        var out = """
        // Generated from policies/*.yaml by Tests/FindingsTests/ShippedPolicyTests.swift: do not edit by hand.
        // After changing a file in policies/, regenerate with
        //     RECONCILE_UPDATE_SHIPPED_POLICIES=1 swift test --filter ShippedPolicyTests

        import ReconcileCore

        /// The default guardrail policies, embedded because the core reads no files. The YAML files in
        /// `policies/` are the readable source; a test keeps the two identical.
        public enum ShippedPolicies {
            /// Repository-relative path and text of each shipped policy file, by file name.
            public static let files: [(path: String, text: String)] = [

        """
        for file in files {
            out += "        (\"\(file.path)\", #\"\"\"\n\(file.text)\n\"\"\"#),\n"
        }
        out += """
            ]

            /// The shipped policies parsed (a test asserts that every file parses).
            public static let parsed: [Policy] = files.flatMap { file in
                (try? Policy.parse(Array(file.text.utf8), file: "builtin:" + file.path)) ?? []
            }
        }

        """
        return out
    }

    @Test func embeddedTextsAreThePolicyFiles() throws {
        let files = try Self.policyFiles()
        let expected = Self.generated(files)
        if ProcessInfo.processInfo.environment["RECONCILE_UPDATE_SHIPPED_POLICIES"] == "1" {
            try Data(expected.utf8).write(to: Self.swiftFile)
            return
        }
        let actual = try String(contentsOf: Self.swiftFile, encoding: .utf8)
        #expect(actual == expected, "Sources/ReconcileFindings/ShippedPolicies.swift is out of date: RECONCILE_UPDATE_SHIPPED_POLICIES=1 swift test --filter ShippedPolicyTests")
        #expect(ShippedPolicies.files.map(\.path) == files.map(\.path))
        #expect(ShippedPolicies.files.map(\.text) == files.map(\.text))
    }

    @Test func everyShippedPolicyParsesWithItsCode() throws {
        for file in ShippedPolicies.files {
            let policies = try Policy.parse(Array(file.text.utf8), file: file.path)
            #expect(policies.count == 1, "\(file.path)")
        }
        #expect(ShippedPolicies.parsed.map(\.code).sorted() == ["POL001", "POL002", "POL003", "POL004"])
        #expect(Dictionary(uniqueKeysWithValues: ShippedPolicies.parsed.map { ($0.code, $0.severity) })
            == ["POL001": .error, "POL002": .warning, "POL003": .warning, "POL004": .error])
        #expect(ShippedPolicies.parsed.allSatisfy { $0.hint != nil })
    }
}
