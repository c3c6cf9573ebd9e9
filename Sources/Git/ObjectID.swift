internal import CGit2

/// A git object id (SHA-1), held as lowercase hex so it is a plain Swift value.
public struct ObjectID: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// 40 lowercase hex characters.
    public let hex: String

    /// Accepts exactly 40 hex characters (any case); nil otherwise.
    public init?(hex: String) {
        guard hex.utf8.count == 40, hex.utf8.allSatisfy({ $0.isHexDigit }) else { return nil }
        self.hex = hex.lowercased()
    }

    init(_ oid: git_oid) {
        var text = ""
        text.reserveCapacity(40)
        withUnsafeBytes(of: oid.id) { bytes in
            for byte in bytes.prefix(20) {
                text += String(byte >> 4, radix: 16) + String(byte & 0x0f, radix: 16)
            }
        }
        self.hex = text
    }

    init(_ pointer: UnsafePointer<git_oid>) {
        self.init(pointer.pointee)
    }

    /// The first 12 characters, for logs and status lines.
    public var short: String { String(hex.prefix(12)) }

    public var description: String { hex }

    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool { lhs.hex < rhs.hex }

    /// The libgit2 form; `hex` is always valid, so this cannot fail.
    var oid: git_oid {
        var oid = git_oid()
        _ = git_oid_fromstr(&oid, hex)
        return oid
    }
}

extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
