import Foundation
import Testing
import YAML

/// `verifyCommits` (issue 20): values, schema, the `reconcile run` flags and the read-only Secret
/// mount that backs them.
struct ChartVerifyCommitsTests {
    @Test func defaultsAreOffWithTheSSHKeyName() throws {
        let values = try ChartFiles.yaml("values.yaml")
        #expect(values[path: ["verifyCommits", "mode"]]?.string == "off")
        #expect(values[path: ["verifyCommits", "existingSecret"]]?.string == "")
        #expect(values[path: ["verifyCommits", "signersKey"]]?.string == "allowed_signers")
        #expect(values[path: ["verifyCommits", "requireSignerIsCommitter"]]?.bool == false)
        let schema = try ChartFiles.json("values.schema.json")
        #expect(
            schema[path: ["properties", "verifyCommits", "properties", "mode", "enum"]]?.sequence?.compactMap(\.string)
                == ["off", "head", "tag", "both"])
        #expect(schema[path: ["properties", "verifyCommits", "additionalProperties"]]?.bool == false)
    }

    @Test func flagsPointAtTheMountedTrustFiles() throws {
        let container = try ChartWorkloadTests.container()
        let args = try #require(container["args"]?.sequence).map { $0.string ?? "" }
        func value(after flag: String) -> String? {
            guard let index = args.firstIndex(of: flag), index + 1 < args.count else { return nil }
            return args[index + 1]
        }
        #expect(args.contains("--verify-commits"))
        #expect(value(after: "--verify-mode") != nil)
        #expect(value(after: "--trusted-signers") == "/etc/reconcile/verify/allowed_signers")
        #expect(value(after: "--trusted-keyring") == "/etc/reconcile/verify/keyring")
        #expect(args.contains("--require-signer-is-committer"))
        #expect(value(after: "--allowed-committers") != nil)

        let mount = (container["volumeMounts"]?.sequence ?? []).first {
            $0["mountPath"]?.string == "/etc/reconcile/verify"
        }
        #expect(mount?["readOnly"]?.bool == true)
        let volume = (try ChartWorkloadTests.podSpec()["volumes"]?.sequence ?? []).first {
            $0["name"]?.string == mount?["name"]?.string
        }
        let paths = Set((volume?[path: ["secret", "items"]]?.sequence ?? []).compactMap { $0["path"]?.string })
        #expect(paths == ["allowed_signers", "keyring"])
        #expect(volume?[path: ["secret", "defaultMode"]] != nil)
        // Off by default: the flags and the mount are behind one condition.
        let deployment = try ChartFiles.text("templates/deployment.yaml")
        #expect(deployment.components(separatedBy: "{{- if ne .Values.verifyCommits.mode \"off\" }}").count == 4)
    }
}
