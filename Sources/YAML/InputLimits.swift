/// Limits on what a repository (an untrusted input: anyone who can open a pull request writes
/// it) may make reconcile read, expand or walk. Each one turns what would otherwise be a crash
/// (a stack overflow), a hang or memory exhaustion into an error naming the file, and the line
/// where one is known. The defaults are far above anything a real config repository holds; they
/// are all in this one value so the CLI can expose them as flags.
public struct InputLimits: Sendable, Equatable {
    /// The largest file read from the repository. 16 MiB: the API server refuses objects over
    /// ~1.5 MiB (etcd's request limit), so a manifest file 10x that holds many objects already.
    public var maxFileBytes: Int
    /// All files read from one revision together. 512 MiB: tens of thousands of ordinary
    /// manifests; past that reading is a denial of service, not a config repository.
    public var maxTotalBytes: Int
    /// Collections nested in one YAML document or JSON value, counted after aliases are expanded
    /// (an alias's depth is the depth where it is used plus the depth of the anchored tree).
    /// Trees are walked recursively (comparing, diffing, emitting), so this bounds stack use.
    /// 1,000 (as `Node(json:)` allows): real manifests nest fewer than 30 levels. Values above
    /// `InputLimits.maxSafeNestingDepth` are treated as that value.
    public var maxNestingDepth: Int
    /// Nodes one YAML document may expand to, counting every node an alias repeats, so a
    /// "billion laughs" file fails fast instead of exhausting memory and CPU (Kubernetes'
    /// yaml decoder and Yams guard the same way). 1,000,000: a 10,000-object manifest file is
    /// about a tenth of that. Past `aliasRatioThreshold` alias-made nodes, aliases may also add
    /// at most `maxAliasRatio` times the nodes actually written.
    public var maxExpandedNodes: Int
    public var aliasRatioThreshold: Int
    public var maxAliasRatio: Int
    /// The text of one manifest file after `${var}` substitution. 16 MiB, as for a file read:
    /// substitution must not turn a small file with a big value used many times into a huge one.
    public var maxSubstitutedBytes: Int
    /// Nesting of one policy expression (`length(length(…))`, `a || b || …`): the parser,
    /// evaluator and comparisons recurse over it. 100: shipped policies use at most 3.
    public var maxExpressionDepth: Int

    /// The highest nesting depth that recursive walks over `Node` are known to survive on a
    /// thread's stack (with a wide margin); `maxNestingDepth` cannot raise the limit past it.
    public static let maxSafeNestingDepth = 1_000

    public static let `default` = InputLimits(
        maxFileBytes: 16 << 20, maxTotalBytes: 512 << 20, maxNestingDepth: 1_000, maxExpandedNodes: 1_000_000,
        aliasRatioThreshold: 10_000, maxAliasRatio: 100, maxSubstitutedBytes: 16 << 20, maxExpressionDepth: 100)

    public init(maxFileBytes: Int, maxTotalBytes: Int, maxNestingDepth: Int, maxExpandedNodes: Int,
                aliasRatioThreshold: Int, maxAliasRatio: Int, maxSubstitutedBytes: Int, maxExpressionDepth: Int) {
        self.maxFileBytes = maxFileBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxNestingDepth = maxNestingDepth
        self.maxExpandedNodes = maxExpandedNodes
        self.aliasRatioThreshold = aliasRatioThreshold
        self.maxAliasRatio = maxAliasRatio
        self.maxSubstitutedBytes = maxSubstitutedBytes
        self.maxExpressionDepth = maxExpressionDepth
    }

    /// `maxNestingDepth` as enforced: at least 1 and at most `maxSafeNestingDepth`.
    public var nestingDepth: Int { min(max(maxNestingDepth, 1), Self.maxSafeNestingDepth) }

    /// A byte count as people read it ("16 MiB", "300 KiB", "12 bytes"), for limit errors.
    public static func describeBytes(_ count: Int) -> String {
        if count >= 1 << 20, count % (1 << 20) == 0 { return "\(count >> 20) MiB" }
        if count >= 1 << 20 { return format1(Double(count) / Double(1 << 20)) + " MiB" }
        if count >= 1 << 10, count % (1 << 10) == 0 { return "\(count >> 10) KiB" }
        if count >= 1 << 10 { return format1(Double(count) / Double(1 << 10)) + " KiB" }
        return "\(count) bytes"
    }

    private static func format1(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
