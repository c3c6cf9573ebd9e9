import Foundation

extension Array where Element: Sendable {
    /// `map` on every core, results in input order. For CPU-bound work on independent elements
    /// (parsing the files of a repository, comparing objects, running analyzers) where the order
    /// of results matters but the order of work does not. Calls may nest (see `ParallelWork`).
    public func concurrentMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard cores > 1, count > 1 else { return map(transform) }
        // Chunks are claimed one by one, so many small ones cost little and keep every core
        // busy to the end when elements differ in cost (a VirtualService compares slower than
        // a PeerAuthentication).
        let chunks = Swift.min(count, cores * 16)
        let chunkSize = (count + chunks - 1) / chunks
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let results = buffer.baseAddress!
            let total = count
            self.withUnsafeBufferPointer { elements in
                ParallelWork.shared.run(chunks: chunks) { chunk in
                    let start = chunk * chunkSize
                    let end = Swift.min(start + chunkSize, total)
                    guard start < end else { return }
                    for index in start..<end { (results + index).initialize(to: transform(elements[index])) }
                }
            }
            initialized = count
        }
    }

    /// `concurrentMap` for a transform that can fail: every element is tried, and the first
    /// error in input order is thrown (as `map` would have thrown it).
    public func concurrentMap<T: Sendable>(throwing transform: @Sendable (Element) throws -> T) throws -> [T] {
        try concurrentMap { element in Result { try transform(element) } }.map { try $0.get() }
    }
}
