import ReconcileCore
import Testing
import JSON
import YAML

/// The owned-field compare judges a live object read in place from its LIST page exactly as it
/// judges the same object decoded: a live plan compares pages and decodes only what differs.
struct OwnedFieldCompareTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var desired: String
        var live: String
        var changed: [String]
        var removed: [String]
        var testDescription: String { name }
    }

    static func managed(_ fields: String) -> String {
        #""managedFields": [{"manager": "kubectl-edit", "operation": "Update", "fieldsV1": {"f:spec": {"f:other": {}}}},"#
            + #" {"manager": "reconcile", "operation": "Apply", "fieldsV1": \#(fields)}]"#
    }

    static let cases: [Case] = [
        Case(name: "unchanged, with server fields and defaults",
             desired: #"{"apiVersion": "v1", "kind": "K", "metadata": {"name": "a", "labels": {"x": "1"}}, "spec": {"port": 80, "ratio": 1, "hosts": ["h"], "rules": [{"to": "b"}]}}"#,
             live: #"{"apiVersion": "v1", "kind": "K", "metadata": {"name": "a", "uid": "u", "labels": {"x": "1", "other": "y"}, "# + managed(#"{"f:metadata": {"f:labels": {".": {}, "f:x": {}}}, "f:spec": {"f:port": {}, "f:hosts": {}, "f:rules": {}}}"#) + #"}, "spec": {"port": 80, "ratio": 1.0, "hosts": ["h"], "rules": [{"to": "b", "defaulted": true}], "other": 1}, "status": {}}"#,
             changed: [], removed: []),
        Case(name: "changed scalar, list length, item and missing field",
             desired: #"{"metadata": {"name": "a"}, "spec": {"port": 81, "hosts": ["h", "i"], "rules": [{"to": "c"}], "new": {"deep": "x"}, "gone": null}}"#,
             live: #"{"metadata": {"name": "a"}, "spec": {"port": 80, "hosts": ["h"], "rules": [{"to": "b"}]}}"#,
             changed: ["spec.port", "spec.hosts", "spec.rules", "spec.new"], removed: []),
        Case(name: "a field that was ours and is no longer in git",
             desired: #"{"metadata": {"name": "a"}, "spec": {"port": 80}}"#,
             live: #"{"metadata": {"name": "a", "# + managed(#"{"f:spec": {"f:port": {}, "f:old": {}, "f:sub": {"f:leaf": {}}, "f:notLive": {}}}"#) + #"}, "spec": {"port": 80, "old": true, "sub": {"leaf": 1}}}"#,
             changed: [], removed: ["spec.old", "spec.sub.leaf"]),
        Case(name: "list items by key, by value and by index",
             desired: #"{"metadata": {"name": "a"}, "spec": {"ports": [{"name": "http", "port": 80}]}}"#,
             live: #"{"metadata": {"name": "a", "# + managed(#"{"f:spec": {"f:ports": {"k:{\"name\":\"http\"}": {"f:port": {}}, "k:{\"name\":\"grpc\"}": {"f:port": {}}}, "f:tags": {"v:\"a\"": {}}, "f:list": {"i:0": {}}}}"#) + #"}, "spec": {"ports": [{"name": "http", "port": 80}, {"name": "grpc", "port": 90}], "tags": ["a"], "list": [1]}}"#,
             changed: ["spec.ports"], removed: ["spec.ports[name=grpc].port", "spec.tags[a]", "spec.list[0]"]),
        Case(name: "keys that are not plain ASCII",
             desired: #"{"metadata": {"name": "a", "annotations": {"caf\u00e9": "cr\u00e8me", "K": "\"quoted\""}}}"#,
             live: #"{"metadata": {"name": "a", "annotations": {"café": "crème", "\u212A": "\"quoted\""}, "# + managed(#"{"f:metadata": {"f:annotations": {"f:caf\u00e9": {}, "f:gone\u00e9": {}}}}"#) + #"}}"#,
             changed: [], removed: []),
        Case(name: "type mismatches",
             desired: #"{"metadata": {"name": "a"}, "spec": {"a": {"x": 1}, "b": [1], "c": "1", "d": null}}"#,
             live: #"{"metadata": {"name": "a"}, "spec": {"a": [1], "b": {"x": 1}, "c": 1, "d": 0}}"#,
             changed: ["spec.a", "spec.b", "spec.c", "spec.d"], removed: []),
    ]

    @Test(arguments: cases)
    func inPlaceAndDecodedAgree(_ test: Case) throws {
        let desired = try Node(json: Array(test.desired.utf8))
        let tape = try JSONTape(json: Array(test.live.utf8))
        let decoded = OwnedFieldCompare.compare(desired: desired, live: tape.root.node, managers: ["reconcile"])
        let inPlace = tape.root.withCursor { OwnedFieldCompare.compare(desired: desired, live: $0, managers: ["reconcile"]) }
        #expect(decoded.changed.map(\.description) == test.changed)
        #expect(decoded.removed.map(\.description) == test.removed)
        #expect(inPlace.changed == decoded.changed)
        #expect(inPlace.removed == decoded.removed)
    }

    /// Items of built-in LISTs carry no apiVersion or kind; a caller that matched the object by
    /// identity does not compare them.
    @Test func typeMetaIsSkippedOnlyWhenMatched() throws {
        let desired = try Node(json: Array(#"{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "spec": {"a": 1}}"#.utf8))
        let tape = try JSONTape(json: Array(#"{"spec": {"a": 1}}"#.utf8))
        tape.root.withCursor { live in
            #expect(OwnedFieldCompare.compare(desired: desired, live: live, managers: [], typeMetaMatched: true).isUnchanged)
            #expect(OwnedFieldCompare.compare(desired: desired, live: live, managers: []).changed.map(\.description) == ["apiVersion", "kind"])
        }
    }
}
