import Foundation
import Kube
import Logging

/// `--log-format json`: one JSON object per line (timestamp, level, message, label, and the
/// metadata — reconcileID, revision — flattened in), as log collectors expect.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    public init(label: String, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(line.utf8))
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        write(Self.line(event: event, label: label, metadata: metadata.merging(metadataProvider?.get() ?? [:]) { $1 }, now: Date()))
    }

    static func line(event: LogEvent, label: String, metadata base: Logger.Metadata, now: Date) -> String {
        var merged = base
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var object: [String: Any] = [
            "timestamp": timestamp(now),
            "level": event.level.rawValue,
            "message": event.message.description,
            "logger": label,
        ]
        for (key, value) in merged where object[key] == nil { object[key] = json(value) }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
            let text = String(data: data, encoding: .utf8) else { return "{\"message\":\"unencodable log line\"}\n" }
        return text + "\n"
    }

    static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let convertible): return convertible.description
        case .array(let items): return items.map(json)
        case .dictionary(let entries): return entries.mapValues(json)
        }
    }

    static func timestamp(_ date: Date) -> String {
        KubeTime.format(date, fractionDigits: 3)
    }
}
