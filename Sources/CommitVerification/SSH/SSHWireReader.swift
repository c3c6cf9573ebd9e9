/// Reads the SSH wire encoding (RFC 4251 §5): `uint32`, length-prefixed `string`, `mpint`.
/// Every read is bounds-checked; a short or oversized field throws instead of trapping.
struct SSHWireReader {
    struct Truncated: Error {
        let field: String
    }

    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func fixed(_ count: Int, _ field: String) throws(Truncated) -> [UInt8] {
        guard count >= 0, bytes.count - offset >= count else { throw Truncated(field: field) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func uint32(_ field: String) throws(Truncated) -> UInt32 {
        try fixed(4, field).reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func string(_ field: String) throws(Truncated) -> [UInt8] {
        let length = try uint32(field)
        guard length <= UInt32(bytes.count - offset) else { throw Truncated(field: field) }
        return try fixed(Int(length), field)
    }

    mutating func text(_ field: String) throws(Truncated) -> String {
        String(decoding: try string(field), as: UTF8.self)
    }

    /// An `mpint` as unsigned big-endian magnitude without leading zero bytes.
    mutating func mpint(_ field: String) throws(Truncated) -> [UInt8] {
        Array(try string(field).drop { $0 == 0 })
    }
}

/// Writes the SSH wire encoding (for the SSHSIG signed-data blob).
struct SSHWireWriter {
    private(set) var bytes: [UInt8] = []

    mutating func raw(_ data: [UInt8]) { bytes += data }

    mutating func string(_ data: [UInt8]) {
        let count = UInt32(data.count)
        bytes += [UInt8(count >> 24), UInt8(count >> 16 & 0xff), UInt8(count >> 8 & 0xff), UInt8(count & 0xff)]
        bytes += data
    }

    mutating func string(_ text: String) { string(Array(text.utf8)) }
}
