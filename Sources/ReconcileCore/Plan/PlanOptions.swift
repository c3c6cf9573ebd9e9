/// Knobs of planning that come from the command line rather than the config repository.
public struct PlanOptions: Sendable {
    /// Unchanged lines shown around each change in diffs.
    public var diffContext: Int = 3
    public var maxPrune: PruneLimit = .percent(25)
    public var allowMassPrune = false

    public init(diffContext: Int = 3, maxPrune: PruneLimit = .percent(25), allowMassPrune: Bool = false) {
        self.diffContext = diffContext
        self.maxPrune = maxPrune
        self.allowMassPrune = allowMassPrune
    }
}

/// `--max-prune`: a share of the managed objects (`25%`) or a count (`10`).
public enum PruneLimit: Sendable, Hashable, CustomStringConvertible {
    case percent(Double)
    case count(Int)

    public init?(_ text: String) {
        if text.hasSuffix("%"), let value = Double(text.dropLast()), value >= 0, value <= 100 {
            self = .percent(value)
        } else if let value = Int(text), value >= 0 {
            self = .count(value)
        } else {
            return nil
        }
    }

    /// The most objects that may be pruned out of `managed` tracked objects.
    public func limit(managed: Int) -> Int {
        switch self {
        case .count(let n): return n
        case .percent(let p): return Int((Double(managed) * p / 100).rounded(.up))
        }
    }

    public var description: String {
        switch self {
        case .count(let n): return "\(n)"
        case .percent(let p): return p == p.rounded() ? "\(Int(p))%" : "\(p)%"
        }
    }
}
