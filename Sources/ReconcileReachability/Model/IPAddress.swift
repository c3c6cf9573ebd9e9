/// An IPv4 or IPv6 address and CIDR blocks over them, for `ipBlock`, Calico `nets` and Istio
/// `ipBlocks`. Addresses are held as 128-bit values (IPv4 in the low 32 bits, flagged).
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    public var isV4: Bool

    public init?(_ text: String) {
        if text.contains(":") {
            guard let (high, low) = Self.parseV6(text) else { return nil }
            self.high = high
            self.low = low
            isV4 = false
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var value: UInt64 = 0
            for part in parts {
                guard !part.isEmpty, part.count <= 3, let octet = UInt64(part), octet < 256 else { return nil }
                value = value << 8 | octet
            }
            high = 0
            low = value
            isV4 = true
        }
    }

    public var description: String {
        if isV4 { return [24, 16, 8, 0].map { String(low >> UInt64($0) & 0xff) }.joined(separator: ".") }
        let groups = (0..<8).map { i -> String in
            let word = i < 4 ? high >> UInt64((3 - i) * 16) : low >> UInt64((7 - i) * 16)
            return String(word & 0xffff, radix: 16)
        }
        return groups.joined(separator: ":")
    }

    private static func parseV6(_ text: String) -> (UInt64, UInt64)? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt64]? {
            if s.isEmpty { return [] }
            var out: [UInt64] = []
            for part in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard !part.isEmpty, part.count <= 4, let word = UInt64(part, radix: 16) else { return nil }
                out.append(word)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var words = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            words += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard words.count == 8 else { return nil }
        let high = words[0..<4].reduce(0) { $0 << 16 | $1 }
        let low = words[4..<8].reduce(0) { $0 << 16 | $1 }
        return (high, low)
    }
}

/// A CIDR block such as `10.0.0.0/16`; a bare address is a /32 (or /128).
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else { return nil }
        let width = address.isV4 ? 32 : 128
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...width).contains(prefix) else { return nil }
            self.prefix = prefix
        } else {
            prefix = width
        }
        self.address = address
    }

    public var description: String { "\(address)/\(prefix)" }

    public func contains(_ ip: IPAddress) -> Bool {
        guard ip.isV4 == address.isV4 else { return false }
        if address.isV4 {
            if prefix == 0 { return true }
            let mask: UInt64 = (0xffff_ffff << UInt64(32 - prefix)) & 0xffff_ffff
            return ip.low & mask == address.low & mask
        }
        func masked(_ value: UInt64, bits: Int) -> UInt64 {
            bits <= 0 ? 0 : bits >= 64 ? value : value & ~(UInt64.max >> UInt64(bits))
        }
        return masked(ip.high, bits: prefix) == masked(address.high, bits: prefix)
            && masked(ip.low, bits: prefix - 64) == masked(address.low, bits: prefix - 64)
    }
}
