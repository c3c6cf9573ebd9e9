/// Splits a byte stream into lines as chunks arrive (a watch body is one JSON event per line,
/// and chunk boundaries fall anywhere, even inside a UTF-8 sequence).
struct LineSplitter {
    private var buffer: [UInt8] = []
    /// How much of `buffer` is known to hold no newline: each byte is searched once, so a long
    /// line arriving in many small chunks costs its length, not its length times the chunks.
    private var searched = 0
    /// A line longer than this is an error rather than unbounded memory (objects are < 1.5 MB).
    static let maxLine = 16 * 1024 * 1024

    /// Appends a chunk and returns the complete, non-empty lines it finished.
    mutating func feed(_ chunk: [UInt8]) throws -> [[UInt8]] {
        buffer.append(contentsOf: chunk)
        var lines: [[UInt8]] = []
        var start = 0
        var from = searched
        while let newline = buffer[from...].firstIndex(of: 0x0A) {
            var line = Array(buffer[start..<newline])
            if line.last == 0x0D { line.removeLast() }
            if !line.isEmpty { lines.append(line) }
            start = newline + 1
            from = start
        }
        buffer.removeFirst(start)
        searched = buffer.count
        if buffer.count > Self.maxLine { throw LineTooLong(length: buffer.count) }
        return lines
    }

    /// Whatever is left when the stream ends (a last line without a newline).
    mutating func finish() -> [UInt8]? {
        defer { buffer = []; searched = 0 }
        let rest = buffer.filter { $0 != 0x0D }
        return rest.isEmpty ? nil : rest
    }

    struct LineTooLong: Error { var length: Int }
}
