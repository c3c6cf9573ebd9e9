import ReconcileTestSupport

// The git fixtures (TestGit, GitDaemon) live in the ReconcileTestSupport module.

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}
