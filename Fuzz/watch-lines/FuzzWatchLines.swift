import Executors
import FuzzSupport
@testable import Kube

/// The watch-stream line splitter: the input is fed in chunks cut at positions derived from the
/// input itself (so libFuzzer explores the cuts too, including inside UTF-8 sequences and CRLF
/// pairs), and the lines must be those of splitting the whole input at once. Each line then goes
/// through the watch session as libcurl's write callback would feed it.
@main enum FuzzWatchLines {
    static func main() { FuzzMain.run(test) }

    static func test(_ bytes: [UInt8]) {
        var splitter = LineSplitter()
        var lines: [[UInt8]] = []
        var start = 0
        var seed = bytes.reduce(UInt64(bytes.count)) { $0 &* 31 &+ UInt64($1) }
        while start < bytes.count {
            // Chunk lengths 0...16 mostly, sometimes up to 4 KiB (watch bodies arrive in TLS records).
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let length = seed >> 60 == 0 ? Int((seed >> 20) % 4096) : Int((seed >> 33) % 17)
            let end = min(bytes.count, start + length)
            do {
                lines += try splitter.feed(Array(bytes[start..<end]))
            } catch {
                preconditionFailure("a line shorter than the input is too long: \(error)")
            }
            start = end
        }
        if let rest = splitter.finish() { lines.append(rest) }
        precondition(lines == expected(bytes), "chunked lines differ from the lines of the whole input")

        // The session on the same input (chunks of 7 bytes), with nobody reading its events.
        let (stream, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream(bufferingPolicy: .bufferingNewest(4))
        let session = WatchSession(continuation: continuation, lastRV: Locked(nil), described: "fuzz")
        var offset = 0
        var open = true
        while open && offset < bytes.count {
            open = session.feed(Array(bytes[offset..<min(bytes.count, offset + 7)]))
            offset += 7
        }
        if open { session.finish() }
        continuation.finish()
        _ = stream
    }

    /// Lines of the whole input: split at LF, a CR before the LF dropped, empty lines dropped; the
    /// last line (no LF after it) without any CR.
    static func expected(_ bytes: [UInt8]) -> [[UInt8]] {
        var parts = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        let last = parts.removeLast().filter { $0 != 0x0D }
        var lines = parts.map { $0.last == 0x0D ? Array($0.dropLast()) : $0 }.filter { !$0.isEmpty }
        if !last.isEmpty { lines.append(last) }
        return lines
    }
}
