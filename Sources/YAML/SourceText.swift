/// The raw input of one parse plus its file name, kept so any error found later (by libyaml, the
/// composer or the JSON reader) can be turned into a `Diagnostic` with the offending source line.
/// Works on bytes so the happy path never has to build a `String` of the whole file.
/// `package`: the JSON module reads through it too.
package struct SourceText: Sendable {
    package let file: String
    package let bytes: [UInt8]

    package init(file: String, bytes: [UInt8]) {
        self.file = file
        self.bytes = bytes
    }

    /// A diagnostic at `mark` with the source line filled in.
    package func diagnostic(_ message: String, at mark: Mark?) -> Diagnostic {
        Diagnostic(file: file, mark: mark, message: message, sourceLine: mark.flatMap { line($0.line) })
    }

    /// Line `number` (1-based) without its line break, or nil when the input has fewer lines.
    package func line(_ number: Int) -> String? {
        guard number >= 1 else { return nil }
        var current = 1
        var start = 0
        var index = 0
        while current < number {
            guard let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            current += 1
            index = newline + 1
            start = index
        }
        var end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The 1-based line and column (counted in Unicode scalars, as libyaml counts) of a byte offset.
    package func mark(ofByteOffset offset: Int) -> Mark {
        let offset = min(max(offset, 0), bytes.count)
        var line = 1
        var column = 1
        for byte in bytes[..<offset] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return Mark(line: line, column: column)
    }

    /// The Unicode scalar at `mark`, used to explain errors caused by one character (tabs).
    package func scalar(at mark: Mark) -> Unicode.Scalar? {
        guard let text = line(mark.line), mark.column >= 1 else { return nil }
        let scalars = text.unicodeScalars
        guard let index = scalars.index(scalars.startIndex, offsetBy: mark.column - 1, limitedBy: scalars.endIndex),
            index < scalars.endIndex
        else { return nil }
        return scalars[index]
    }

    /// Rejects input that is not UTF-8 before any parser sees it, naming the first bad byte and
    /// its position: libyaml would otherwise fail with a vague reader error or mis-decode.
    package func validateUTF8() throws {
        guard let offset = Self.firstInvalidUTF8Offset(bytes) else { return }
        let hex = String(bytes[offset], radix: 16, uppercase: true)
        let byte = hex.count == 1 ? "0" + hex : hex
        throw diagnostic("file is not valid UTF-8 (invalid byte 0x\(byte))", at: mark(ofByteOffset: offset))
    }

    /// Offset of the first byte that does not begin a well-formed UTF-8 sequence (overlong forms,
    /// surrogates and values above U+10FFFF are rejected), or nil when the input is valid.
    package static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { buffer -> Int? in
            let raw = UnsafeRawBufferPointer(buffer)
            let count = buffer.count
            var i = 0
            while i < count {
                // ASCII eight bytes at a time: manifests and API responses are nearly all ASCII.
                while i + 8 <= count,
                    raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                }
                guard i < count else { break }
                let lead = buffer[i]
                if lead < 0x80 {
                    i += 1
                    continue
                }
                let length: Int
                var low: UInt8 = 0x80
                var high: UInt8 = 0xBF
                switch lead {
                case 0xC2...0xDF: length = 2
                case 0xE0: length = 3; low = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: length = 3
                case 0xED: length = 3; high = 0x9F
                case 0xF0: length = 4; low = 0x90
                case 0xF1...0xF3: length = 4
                case 0xF4: length = 4; high = 0x8F
                default: return i
                }
                guard i + length <= count else { return i }
                let second = buffer[i + 1]
                guard second >= low, second <= high else { return i }
                for k in 2..<length where buffer[i + k] & 0xC0 != 0x80 { return i }
                i += length
            }
            return nil
        }
    }
}
