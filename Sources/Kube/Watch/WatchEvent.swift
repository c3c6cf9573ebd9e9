import YAML

/// One change seen by a watch. `.relisted` replaces everything known so far: the watch fell
/// too far behind (410 Gone), so it listed afresh and carries on from that list.
public enum WatchEvent: Sendable {
    case added(Node)
    case modified(Node)
    case deleted(Node)
    case bookmark(resourceVersion: String)
    case relisted([Node], resourceVersion: String)
}
