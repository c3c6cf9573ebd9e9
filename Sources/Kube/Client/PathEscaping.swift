/// Percent-encoding for URL path segments and query values (RFC 3986 unreserved kept).
enum PathEscaping {
    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }

    static func segment(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            // Path segments may also keep sub-delims and ':' '@', but never '/', '?' or '#'.
            if unreserved.contains(byte) || ":@!$&'()*+,;=".utf8.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }

    /// `a=1&b=x%20y` in the given order; nil values are left out.
    static func query(_ items: [(String, String?)]) -> String {
        items.compactMap { key, value in value.map { "\(encode(key))=\(encode($0))" } }.joined(separator: "&")
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
