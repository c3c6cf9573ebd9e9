import YAML

/// One Event store, two APIs: events.k8s.io/v1 is the stored form; core/v1 is a view with
/// renamed fields (transcript 095), and eventTime must be a MicroTime with exactly 6 digits.
enum EventConversion {
    static let renames = [("regarding", "involvedObject"), ("note", "message"), ("reportingController", "reportingComponent"),
                          ("deprecatedSource", "source"), ("deprecatedFirstTimestamp", "firstTimestamp"),
                          ("deprecatedLastTimestamp", "lastTimestamp"), ("deprecatedCount", "count")]

    static func toCore(_ object: Node) -> Node {
        var result = object
        for (from, to) in renames { if let value = result[from] { result[from] = nil; result[to] = value } }
        return result
    }

    static func fromCore(_ object: Node) -> Node {
        var result = object
        for (from, to) in renames { if let value = result[to] { result[to] = nil; result[from] = value } }
        return result
    }

    /// 400 unless eventTime has exactly 6 fractional digits (transcripts 093, 094).
    static func checkMicroTime(_ object: Node, version: String) throws(APIError) {
        guard let text = object["eventTime"]?.string else { return }
        guard let dot = text.firstIndex(of: ".") else { try badTime(text, version: version, rest: String(text.suffix(1))) }
        let fraction = text[text.index(after: dot)...].prefix { $0.isNumber }
        if fraction.count < 6 { try badTime(text, version: version, rest: String(text[dot...])) }
        if fraction.count > 6 {
            let rest = String(text[text.index(dot, offsetBy: 7)...])
            try badTime(text, version: version, rest: rest, layout: "Z07:00")
        }
    }

    private static func badTime(_ text: String, version: String, rest: String, layout: String = ".000000") throws(APIError) -> Never {
        throw APIError.badRequest("Event in version \"\(version)\" cannot be handled as a Event: parsing time \"\(text)\" as \"2006-01-02T15:04:05.000000Z07:00\": cannot parse \"\(rest)\" as \"\(layout)\"")
    }
}
