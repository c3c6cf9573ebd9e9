import Dispatch
import Foundation

extension Array where Element: Sendable {
    /// `map` on every core, results in input order. For CPU-bound work on independent elements
    /// (parsing the files of a repository, decoding LIST pages) where the order of results matters
    /// but the order of work does not.
    public func concurrentMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard cores > 1, count > 1 else { return map(transform) }
        // A few chunks per core keep the cores busy when elements differ in cost.
        let chunks = Swift.min(count, cores * 4)
        let chunkSize = (count + chunks - 1) / chunks
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let results = UncheckedBuffer(base: buffer.baseAddress!)
            let total = count
            self.withUnsafeBufferPointer { elements in
                let input = UncheckedInput(base: elements.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    let start = chunk * chunkSize
                    let end = Swift.min(start + chunkSize, total)
                    guard start < end else { return }
                    for index in start..<end { (results.base + index).initialize(to: transform(input.base[index])) }
                }
            }
            initialized = count
        }
    }
}

/// Each chunk writes only its own slots, so sharing the base pointer across threads is safe.
private struct UncheckedBuffer<T>: @unchecked Sendable { let base: UnsafeMutablePointer<T> }
private struct UncheckedInput<T>: @unchecked Sendable { let base: UnsafePointer<T> }
