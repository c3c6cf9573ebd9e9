import YAML

/// The signature verdict of a planned revision's commit or tag (`--verify-commits`, issue 20),
/// carried in the plan so the pull-request view shows before merge whether the head would be
/// refused. Plain values: the core knows nothing of keys or git.
public struct SignatureStatus: Sendable, Equatable {
    /// `commit` or `tag`.
    public var object: String
    /// The object id (short).
    public var id: String
    public var verified: Bool
    /// The SSH principal or OpenPGP user ID, when verified.
    public var signer: String?
    public var fingerprint: String?
    /// The refusal reason code (`unsigned`, `unknown_key`, …), when refused.
    public var reason: String?
    /// The one-line summary: `commit 1a2b3c4d5e6f is signed by …` / `… is refused: …`.
    public var summary: String

    public init(
        object: String, id: String, verified: Bool, signer: String? = nil, fingerprint: String? = nil,
        reason: String? = nil, summary: String
    ) {
        self.object = object
        self.id = id
        self.verified = verified
        self.signer = signer
        self.fingerprint = fingerprint
        self.reason = reason
        self.summary = summary
    }

    /// The JSON form (docs/plan-json.md, `signatures`).
    var node: Node {
        var node = Node.object([
            "object": .string(object), "id": .string(id), "verified": Node(.bool(verified)),
            "summary": .string(summary),
        ])
        if let signer { node["signer"] = .string(signer) }
        if let fingerprint { node["fingerprint"] = .string(fingerprint) }
        if let reason { node["reason"] = .string(reason) }
        return node
    }

    /// The markdown block: a warning callout when refused, a check line when verified.
    static func markdown(_ statuses: [SignatureStatus]) -> String {
        guard !statuses.isEmpty else { return "" }
        var out = ""
        for status in statuses {
            if status.verified {
                out += "✅ Signature: \(MarkdownEscaping.text(status.summary))\n\n"
            } else {
                out +=
                    "> [!WARNING]\n> **Signature refused** — \(MarkdownEscaping.text(status.summary)). "
                    + "`reconcile` will not apply this revision after merge.\n\n"
            }
        }
        return out
    }

    /// The text line(s) under the plan's title.
    static func text(_ statuses: [SignatureStatus]) -> String {
        statuses.map { "\($0.verified ? "signature: " : "SIGNATURE REFUSED: ")\($0.summary)\n" }.joined()
    }
}
