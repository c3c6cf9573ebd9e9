import Foundation
import JSON
import YAML

/// Stored objects as served JSON, kept by where they are stored, the version they are served in
/// and their resourceVersion (every write stamps a new one, so an entry never goes stale; it is
/// only left unused). LISTs send the same unchanged objects on every call, and the apiserver
/// does not encode those per request either: its watch cache keeps objects encoded. Without
/// this the test server spent most of a 10,000-object plan's server time sorting keys and
/// writing JSON, on the cores the client being measured runs on (docs/benchmarks.md).
final class RenderedObjects: @unchecked Sendable {
    /// Past this many entries the cache starts over (bounds memory in long test runs).
    static let limit = 100_000

    private let lock = NSLock()
    private var rendered: [String: [UInt8]] = [:]

    /// The JSON of `object` as `render` serves it, rendered once per object state and version.
    func json(_ object: Node, storage: String, version: String, render: (Node) -> Node) -> [UInt8] {
        let meta = object["metadata"]
        let key = [storage, version, meta?["namespace"]?.string ?? "", meta?["name"]?.string ?? "",
                   meta?["uid"]?.string ?? "", meta?["resourceVersion"]?.string ?? ""].joined(separator: "\u{0}")
        if let cached = lock.withLock({ rendered[key] }) { return cached }
        let bytes = render(object).jsonBytes()
        lock.withLock {
            if rendered.count >= Self.limit { rendered.removeAll() }
            rendered[key] = bytes
        }
        return bytes
    }
}
