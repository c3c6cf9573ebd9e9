/// Words shared by every plan renderer, so text, markdown and JSON say the same thing.
extension Plan {
    /// `3 to create, 1 to update, 1 to delete, 4 workloads to restart`.
    public var summaryLine: String {
        var parts = ["\(count(.create)) to create", "\(count(.update)) to update", "\(count(.delete)) to delete"]
        parts.append("\(restarts.count) workload\(restarts.count == 1 ? "" : "s") to restart")
        var line = parts.joined(separator: ", ")
        let blocked = changes.filter { $0.blocked != nil }.count
        var extras: [String] = []
        if unchanged > 0 { extras.append("\(unchanged) unchanged") }
        if blocked > 0 { extras.append("\(blocked) blocked") }
        if !manualRestarts.isEmpty { extras.append("\(manualRestarts.count) need a manual restart") }
        if !extras.isEmpty { line += " (" + extras.joined(separator: ", ") + ")" }
        return line
    }

    /// What the plan was computed against, for headers.
    public var subject: String {
        switch mode {
        case .base: return "changes from \(baseRevision ?? "base") to \(revision ?? "head")"
        case .snapshot: return "\(revision ?? "working tree") against a cluster snapshot"
        case .live: return "\(revision ?? "working tree") against the live cluster"
        }
    }
}

extension PlannedChange {
    public var symbol: String {
        switch action {
        case .create: return "+"
        case .update: return "~"
        case .delete: return "-"
        }
    }

    public var verb: String {
        switch action {
        case .create: return "create"
        case .update: return "update"
        case .delete: return "delete"
        }
    }
}

extension Optional where Wrapped == NamespaceInjection {
    /// `not labelled` for a namespace without injection labels.
    public var text: String { map(\.description) ?? "no injection label" }
}
